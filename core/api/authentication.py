"""API token authentication that reads the person's roles in the same query.

Every API request checks roles; DRF's ``TokenAuthentication`` loads the token and its user,
and the roles would cost a second round trip. Here one statement reads all three.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Aggregate, JSONField
from django.utils import timezone
from django.utils.translation import gettext as _
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


def expires_at(token: Token) -> datetime:
    return token.created + timedelta(hours=settings.CASEHUB_TOKEN_TTL_HOURS)


def is_expired(token: Token) -> bool:
    return expires_at(token) <= timezone.now()


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's, with the user's roles read at once.

    Its refusals are DRF's own messages, translated by DRF's catalogue (``drf_message`` is
    ``gettext_lazy`` under a name CaseHub's catalogue does not extract).
    """

    def authenticate_credentials(self, key):
        found = self.token_with_roles(key)
        if found is None:
            raise exceptions.AuthenticationFailed(drf_message("Invalid token."))
        token, role_names = found
        if is_expired(token):
            raise exceptions.AuthenticationFailed(
                _("This token has expired; ask for a new one with your password.")
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(drf_message("User inactive or deleted."))
        roles.remember(token.user, [name for name in role_names if name])
        return (token.user, token)

    @staticmethod
    def token_with_roles(key: str) -> tuple[Token, list[str | None]] | None:
        """The token with its user, and the user's group names, in one statement.

        Every API request runs it, so on PostgreSQL it is written by hand: building the
        grouped query with the ORM cost more than the database spends answering it."""
        if connection.vendor != "postgresql":
            try:
                annotated = (
                    Token.objects.select_related("user")
                    .annotate(role_names=JSONNames("user__groups__name"))
                    .get(key=key)
                )
            except Token.DoesNotExist:
                return None
            return annotated, annotated.role_names or []
        sql, user_names = _token_statement()
        with connection.cursor() as cursor:
            cursor.execute(sql, [key])
            row = cursor.fetchone()
        if row is None:
            return None
        created, *values, role_names = row
        alias = connection.alias
        user = get_user_model().from_db(alias, user_names, values)
        token = Token.from_db(alias, ["key", "user_id", "created"], [key, user.pk, created])
        token.user = user
        return token, role_names


@cache
def _token_statement() -> tuple[str, list[str]]:
    """The statement ``token_with_roles`` runs on PostgreSQL, and the user's field names in
    the order it selects them: built once, as every API request runs it."""
    user_model = get_user_model()
    user_fields = list(user_model._meta.concrete_fields)
    quote = connection.ops.quote_name
    columns = ", ".join(f"u.{quote(field.column)}" for field in user_fields)
    groups: Any = user_model._meta.get_field("groups")
    through = groups.remote_field.through._meta
    sql = (
        f"SELECT t.{quote('created')}, {columns}, ARRAY("
        f"SELECT g.name FROM {quote(through.db_table)} ug "
        f"JOIN {quote(Group._meta.db_table)} g ON g.id = ug.group_id "
        f"WHERE ug.{quote(groups.m2m_column_name())} = u.{quote(user_model._meta.pk.column)})"
        f" FROM {quote(Token._meta.db_table)} t "
        f"JOIN {quote(user_model._meta.db_table)} u "
        f"ON u.{quote(user_model._meta.pk.column)} = t.{quote('user_id')} "
        "WHERE t.key = %s"
    )
    return sql, [field.attname for field in user_fields]
