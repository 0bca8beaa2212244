"""``POST /api/v1/auth/token/``: DRF's token view, documented with examples."""

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

from escalation.api import examples


class TokenView(ObtainAuthToken):
    """Trade a username and password for the API token (created on first use)."""

    @extend_schema(
        request=AuthTokenSerializer,
        examples=[examples.TOKEN_REQUEST, examples.TOKEN_RESPONSE],
        summary="Get an API token for a username and password",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
