"""Surges over REST (PRODUCT.md, "Peak-season systems")."""

from rest_framework import serializers

from peak.models import Surge


class SurgeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Surge
        fields = [
            "id",
            "category",
            "intent",
            "state",
            "opened_at",
            "closed_at",
            "count",
            "baseline",
            "ratio",
            "knowledge_request",
        ]
        read_only_fields = fields
