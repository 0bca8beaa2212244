"""Compensation over REST: request, list, detail, transitions, authority and reviews."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compensation import selectors, services
from compensation.api import examples
from compensation.api.serializers import (
    AuthoritySerializer,
    CapRefusalSerializer,
    GrantRequestSerializer,
    GrantReviewSerializer,
    GrantSerializer,
    GrantTransitionSerializer,
)
from core import roles
from core.api.idempotency import idempotent
from core.api.transitions import TransitionsMixin, transitions_schema
from escalation.selectors import cases_visible_to


class GrantAccess(permissions.BasePermission):
    """Officers and supervisors use compensation; reviews are for supervisors."""

    message = _("Only escalation officers and supervisors use compensation.")

    def has_permission(self, request, view) -> bool:
        if not request.user.is_authenticated:
            return False
        if view.action in ("reviews", "review"):
            return roles.is_supervisor(request.user)
        return roles.has_role(request.user, roles.OFFICERS, roles.SUPERVISORS)


@extend_schema_view(
    transitions=transitions_schema(
        request=GrantTransitionSerializer,
        response=GrantSerializer,
        listed=[examples.TRANSITIONS_RESPONSE],
        examples=[
            OpenApiExample("Approve", value={"transition": "approve"}, request_only=True),
            OpenApiExample(
                "Revoke", value={"transition": "revoke", "reason": "Sent twice."}, request_only=True
            ),
            examples.APPROVED_RESPONSE,
        ],
        noun="grant",
    )
)
class GrantViewSet(
    TransitionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = GrantSerializer
    permission_classes = [GrantAccess]
    machine = services.GRANTS
    transition_serializer_class = GrantTransitionSerializer
    filterset_fields = {"state": ["exact", "in"], "case": ["exact"], "review": ["exact"]}
    ordering_fields = ["created_at", "amount"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.grant_list(user=self.request.user)

    @extend_schema(
        request=GrantRequestSerializer,
        responses={
            201: GrantSerializer,
            422: OpenApiResponse(
                CapRefusalSerializer,
                "Refused by a cap (or another rule: then only `detail` and `code`)",
                examples=[OpenApiExample("Above the ceiling", value=examples.CAP_REFUSAL)],
            ),
        },
        examples=[
            OpenApiExample("Coupon", value=examples.REQUEST, request_only=True),
            examples.GRANT_RESPONSE,
            examples.PENDING_RESPONSE,
        ],
        summary="Grant compensation (approved at once, pending approval, or refused by a cap)",
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        given = GrantRequestSerializer(data=request.data, user=request.user)
        given.is_valid(raise_exception=True)
        grant = services.grant_request(actor=request.user, **given.validated_data)
        grant = get_object_or_404(self.get_queryset(), pk=grant.pk)
        return Response(GrantSerializer(grant).data, status=status.HTTP_201_CREATED)

    def fire_transition(self, grant, *, actor, name: str, **fields) -> None:
        services.grant_transition(grant=grant, actor=actor, name=name, **fields)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "case", OpenApiTypes.INT, description="Include the per-case and per-customer caps."
            )
        ],
        responses={
            200: AuthoritySerializer,
            404: OpenApiResponse(description="No such case, or not visible to you."),
        },
        summary="The caller's remaining authority per cap",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def authority(self, request):
        case = None
        if "case" in request.query_params:
            raw = request.query_params["case"]
            if not raw.isdigit():
                return Response(
                    {"case": [_("Give a case id.")]}, status=status.HTTP_400_BAD_REQUEST
                )
            case = get_object_or_404(cases_visible_to(request.user), pk=int(raw))
        return Response(selectors.authority_of(user=request.user, case=case))

    @extend_schema(responses=GrantSerializer(many=True), summary="The quality review queue")
    @action(detail=False, methods=["get"], filter_backends=[])
    def reviews(self, request):
        page = self.paginate_queryset(selectors.review_queue())
        return self.get_paginated_response(GrantSerializer(page, many=True).data)

    @extend_schema(
        request=GrantReviewSerializer,
        responses=GrantSerializer,
        examples=[examples.REVIEW_REQUEST, examples.REVIEWED_RESPONSE],
        summary="Review a flagged grant: approve or flag",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def review(self, request, pk=None):
        return self._review(request, self.get_object())

    @idempotent
    def _review(self, request, grant):
        given = GrantReviewSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.grant_review(grant=grant, actor=request.user, **given.validated_data)
        grant = get_object_or_404(self.get_queryset(), pk=grant.pk)
        return Response(GrantSerializer(grant).data)
