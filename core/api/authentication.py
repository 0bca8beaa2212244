"""API token authentication that reads the person's roles in the same query.

Every API request checks roles; DRF's ``TokenAuthentication`` loads the token and its user,
and the roles would cost a second round trip. Here one statement reads all three.
"""

from __future__ import annotations

from django.db.models import Aggregate, JSONField
from django.utils.translation import gettext_lazy as drf_message
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from core import roles


class JSONNames(Aggregate):
    """The aggregated values as one JSON array (``[null]`` over an empty join)."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's, with the user's roles read at once.

    Its refusals are DRF's own messages, translated by DRF's catalogue (``drf_message`` is
    ``gettext_lazy`` under a name CaseHub's catalogue does not extract).
    """

    def authenticate_credentials(self, key):
        model = Token
        try:
            token = (
                model.objects.select_related("user")
                .annotate(role_names=JSONNames("user__groups__name"))
                .get(key=key)
            )
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(drf_message("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(drf_message("User inactive or deleted."))
        roles.remember(token.user, [name for name in token.role_names or () if name])
        return (token.user, token)
