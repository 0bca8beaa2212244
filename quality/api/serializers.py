"""Quality checks over REST: a flag, the check's input and answer, a sensitive term."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from quality.checks import MAX_TEXT
from quality.models import SensitiveTerm


class QAFlagSerializer(serializers.Serializer):
    """A sensitive term found: ``text[start:end]`` (code points, end exclusive)."""

    term = serializers.CharField(read_only=True)
    category = serializers.ChoiceField(choices=SensitiveTerm.Category.choices, read_only=True)
    start = serializers.IntegerField(read_only=True, min_value=0)
    end = serializers.IntegerField(read_only=True, min_value=0)


class TextField(serializers.CharField):
    """A string and nothing else (DRF's ``CharField`` would take ``42`` as ``"42"``)."""

    default_error_messages = {"invalid": _("Give the text as a string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class QACheckRequestSerializer(serializers.Serializer):
    """``{"text": "…"}``: what someone is about to send."""

    text = TextField(max_length=MAX_TEXT, allow_blank=True, trim_whitespace=False)


class QACheckResultSerializer(serializers.Serializer):
    flags = QAFlagSerializer(many=True)


class SensitiveTermSerializer(serializers.ModelSerializer):
    class Meta:
        model = SensitiveTerm
        fields = ["id", "term", "language", "category", "active", "note", "updated_at"]
        read_only_fields = fields
