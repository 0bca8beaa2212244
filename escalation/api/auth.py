"""``/api/v1/auth/token/``: trade a password for a token (``POST``), revoke it (``DELETE``).

Tokens expire ``CASEHUB_TOKEN_TTL_HOURS`` after they are issued; asking again with the
password then issues a new one (until then it answers the same token). Guesses are
throttled with the login page (``core.api.throttles``): 429 with ``Retry-After``.
"""

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.response import Response

from core.api.authentication import expires_at, is_expired
from core.api.throttles import LOGIN_THROTTLES, record_failure
from escalation.api import examples


class TokenView(ObtainAuthToken):
    """Trade a username and password for the API token (created on first use)."""

    throttle_classes = LOGIN_THROTTLES
    throttled_methods = ("POST",)

    def perform_authentication(self, request):
        # A password exchange needs no credentials beside it: an expired token sent out of
        # habit must not stand in the way of getting the new one.
        if request.method != "POST":
            super().perform_authentication(request)

    def get_throttles(self):
        # Only guesses are throttled: revoking one's own token is not a guess.
        return super().get_throttles() if self.request.method in self.throttled_methods else []

    @extend_schema(
        request=AuthTokenSerializer,
        examples=[examples.TOKEN_REQUEST, examples.TOKEN_RESPONSE],
        summary="Get an API token for a username and password",
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            record_failure(request)
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        with transaction.atomic():
            token, _created = Token.objects.select_for_update().get_or_create(user=user)
            if is_expired(token):
                token.delete()
                token = Token.objects.create(user=user)
        return Response({"token": token.key, "expires_at": expires_at(token).isoformat()})

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="The caller's token no longer works.")},
        summary="Revoke the caller's API token",
    )
    def delete(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            raise NotAuthenticated
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
