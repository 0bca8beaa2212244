"""Surges for supervisors and the knowledge team."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import permissions, viewsets

from core import roles
from peak.api.serializers import SurgeSerializer
from peak.models import Surge

#: Who sees surges: those who act on them.
SURGE_READERS = (roles.SUPERVISORS, roles.KNOWLEDGE_TEAM)

SURGE_EXAMPLE = OpenApiExample(
    "An open surge",
    value={
        "id": 7,
        "category": "installation",
        "intent": "install_delay",
        "state": "open",
        "opened_at": "2026-07-14T09:15:00+08:00",
        "closed_at": None,
        "count": 46,
        "baseline": 4.5,
        "ratio": 10.22,
        "knowledge_request": 31,
    },
    response_only=True,
)


class SurgeReader(permissions.BasePermission):
    message = _("Only supervisors and the knowledge team see surges.")

    def has_permission(self, request, view) -> bool:
        return roles.has_role(request.user, *SURGE_READERS)


@extend_schema_view(
    list=extend_schema(
        summary="Surges, open first (filter with ?state=open|closed)", examples=[SURGE_EXAMPLE]
    ),
    retrieve=extend_schema(summary="One surge", examples=[SURGE_EXAMPLE]),
)
class SurgeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SurgeSerializer
    permission_classes = [SurgeReader]
    filterset_fields = ["state", "category", "intent"]
    ordering_fields = ["opened_at", "count", "ratio"]
    ordering = ["-state", "-opened_at", "-id"]  # "open" after "closed": open first
    queryset = Surge.objects.all()
