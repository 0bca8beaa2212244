"""Cases over REST: intake, list, detail, audit trail and the uniform transitions endpoint."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import roles
from core.api.idempotency import idempotent
from core.api.transitions import TransitionsMixin, transitions_schema
from escalation import selectors, services
from escalation.api import examples, task_examples
from escalation.api.filters import CaseFilter
from escalation.api.serializers import (
    CaseEventSerializer,
    CaseIntakeSerializer,
    CaseSerializer,
    CaseTransitionSerializer,
    IntakeResultSerializer,
    PraiseSerializer,
)
from escalation.models import Department


class CaseAccess(permissions.BasePermission):
    """Reading needs a role that sees cases; intake needs frontline, officer or supervisor."""

    message = _("Your role may not do this with cases.")

    def has_permission(self, request, view) -> bool:
        if not request.user.is_authenticated:
            return False
        if view.action == "create":
            return roles.has_role(request.user, *selectors.CASE_OPENERS)
        return True


@extend_schema_view(
    transitions=transitions_schema(
        request=CaseTransitionSerializer,
        response=CaseSerializer,
        listed=[examples.TRANSITIONS_RESPONSE],
        examples=[
            *examples.TRANSITION_REQUESTS,
            OpenApiExample(
                "Resolved",
                value={**examples.CASE, "state": "resolved", "resolution": "Installed."},
                response_only=True,
            ),
        ],
        noun="case",
    )
)
class CaseViewSet(
    TransitionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CaseSerializer
    permission_classes = [CaseAccess]
    machine = services.CASES
    transition_serializer_class = CaseTransitionSerializer
    filterset_class = CaseFilter
    ordering_fields = ["created_at", "updated_at", "priority", "escalation_level"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.case_rows(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def filter_queryset(self, queryset):
        # The list's filters and ordering mean nothing to one case, its events or transitions.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(
        request=CaseIntakeSerializer,
        responses={
            201: IntakeResultSerializer,
            200: OpenApiResponse(IntakeResultSerializer, "Attached to an open case"),
        },
        examples=[examples.INTAKE_REQUEST, examples.INTAKE_CREATED, examples.INTAKE_ATTACHED],
        summary="Open an escalation (or attach the contact to the customer's open case)",
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        intake = CaseIntakeSerializer(data=request.data)
        intake.is_valid(raise_exception=True)
        case, deduplicated = services.case_intake(actor=request.user, **intake.validated_data)
        case.deduplicated = deduplicated
        body = IntakeResultSerializer(case, context=self.get_serializer_context()).data
        return Response(
            body, status=status.HTTP_200_OK if deduplicated else status.HTTP_201_CREATED
        )

    @extend_schema(responses=CaseEventSerializer(many=True), summary="The case's audit trail")
    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request, pk=None):
        case = self.get_object()
        page = self.paginate_queryset(selectors.case_events(case=case))
        return self.get_paginated_response(CaseEventSerializer(page, many=True).data)

    @extend_schema(
        request=PraiseSerializer,
        responses={201: CaseEventSerializer},
        examples=[examples.PRAISE_REQUEST, examples.PRAISE_CREATED],
        summary="Record the customer's praise of the case (one audit event, no state change)",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    @idempotent
    def praise(self, request, pk=None):
        case = self.get_object()
        given = PraiseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        event = services.case_record_praise(case=case, actor=request.user, **given.validated_data)
        return Response(CaseEventSerializer(event).data, status=status.HTTP_201_CREATED)

    def fire_transition(self, case, *, actor, name: str, **fields) -> None:
        services.case_transition(case=case, actor=actor, name=name, **fields)


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "active"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(examples=[task_examples.DEPARTMENT_RESPONSE]),
    retrieve=extend_schema(examples=[task_examples.DEPARTMENT_RESPONSE]),
)
class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """The departments a task can be given to."""

    serializer_class = DepartmentSerializer
    queryset = Department.objects.filter(active=True).order_by("code")
    lookup_field = "code"
    filterset_fields = ["active"]
    ordering = ["code"]
