"""Serializer fields shared by the apps' APIs."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's ``SlugRelatedField`` that refuses NUL characters before it queries.

    DRF's ``CharField`` refuses them, but related fields look the value up as given, and
    PostgreSQL refuses NUL in text with an error (a 500) instead of "does not exist" (a 400).
    """

    default_error_messages = {"null_characters": _("Null characters are not allowed.")}

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)


def datetime_text(value, zone) -> str | None:
    """``value`` as DRF's ``DateTimeField`` writes it (ISO 8601 in ``zone``, ``Z`` for UTC),
    without building a field per value: list pages write hundreds."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
