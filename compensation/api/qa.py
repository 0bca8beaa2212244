"""``GET /api/v1/qa/reviews/``: every high-risk action (money-like compensation, refunds,
contract changes, amounts near the limit) in the 100 % quality review, for supervisors.

Supervisors work through it on ``/approvals/`` or with ``POST
/api/v1/compensations/{id}/review/``; ``?state=pending|approved|flagged`` narrows it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import ValidationError

from compensation import selectors
from compensation.models import Grant
from core import roles
from core.api.serializers import PersonSerializer


class Supervisor(permissions.BasePermission):
    message = gettext_lazy("Only supervisors work through the quality review.")

    def has_permission(self, request, view) -> bool:
        return roles.is_supervisor(request.user)


class QAReviewSerializer(serializers.ModelSerializer):
    case = serializers.PrimaryKeyRelatedField(read_only=True)
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    reasons = serializers.ListField(
        source="review_reasons",
        child=serializers.CharField(),
        read_only=True,
        help_text="money_like, refund, contract_change, above_share_of_cap",
    )
    requested_by = PersonSerializer(read_only=True)
    reviewed_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Grant
        fields = [
            "id",
            "case",
            "case_reference",
            "kind",
            "amount",
            "currency",
            "state",
            "reasons",
            "review",
            "requested_by",
            "reviewed_by",
            "review_note",
            "created_at",
        ]
        read_only_fields = fields


REVIEW_EXAMPLE = OpenApiExample(
    "A refund waiting for review",
    value={
        "id": 42,
        "case": 1207,
        "case_reference": "ESC-20260714-001207",
        "kind": "refund",
        "amount": "180.00",
        "currency": "CNY",
        "state": "issued",
        "reasons": ["refund"],
        "review": "pending",
        "requested_by": {"id": 5, "username": "officer2", "display_name": "officer2"},
        "reviewed_by": None,
        "review_note": "",
        "created_at": "2026-07-14T10:02:00+08:00",
    },
    response_only=True,
)


class QAReviewList(generics.ListAPIView):
    serializer_class = QAReviewSerializer
    permission_classes = [Supervisor]
    filter_backends: list = []

    def get_queryset(self):
        state = self.request.query_params.get("state")
        if state is not None and state not in selectors.REVIEW_STATES:
            raise ValidationError(
                {"state": [_("One of: %s.") % ", ".join(selectors.REVIEW_STATES)]}
            )
        return selectors.reviews(state=state)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "state",
                OpenApiTypes.STR,
                enum=list(selectors.REVIEW_STATES),
                description="Only grants in this review state (pending: oldest first).",
            )
        ],
        examples=[REVIEW_EXAMPLE],
        summary="High-risk actions in the 100 % quality review (supervisors)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
