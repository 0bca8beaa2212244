"""The departments' REST API: task groups, tasks, their transitions and the group thread.

A department member sees only its departments' tasks (and the groups holding them) with the
case facts needed to act — reference, title, category, priority, customer tier and the intake
summary — never the customer's identity or contact history; anything else answers 404.
"""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import roles
from core.api.filters import FilterSet
from core.api.idempotency import idempotent
from core.api.transitions import TransitionsMixin, transitions_schema
from escalation import selectors, taskgroups
from escalation.api import task_examples
from escalation.api.task_serializers import (
    TaskGroupCreateSerializer,
    TaskGroupSerializer,
    TaskMessageSerializer,
    TaskSerializer,
    TaskTransitionSerializer,
)
from escalation.models import ACTIVE_TASK_STATES, Task, TaskState

TASK_ROLES = (roles.OFFICERS, roles.SUPERVISORS, roles.DEPARTMENT_MEMBERS)


class TaskAccess(permissions.BasePermission):
    message = _("Your role has no access to task groups.")

    def has_permission(self, request, view) -> bool:
        if not roles.has_role(request.user, *TASK_ROLES):
            return False
        if getattr(view, "action", None) == "create":
            return roles.has_role(request.user, roles.OFFICERS, roles.SUPERVISORS)
        return True


class TaskFilter(FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=TaskState.choices)
    department = django_filters.CharFilter(field_name="department__code")
    assignee = django_filters.CharFilter(method="filter_assignee", help_text="A username, or `me`.")
    overdue = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_overdue"
    )
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    case = django_filters.NumberFilter(field_name="case_id", min_value=1)
    group = django_filters.NumberFilter(field_name="group_id", min_value=1)

    class Meta:
        model = Task
        fields = []

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        return queryset.filter(assignee__username=value)

    def filter_overdue(self, queryset, name, value):
        late = {"state__in": ACTIVE_TASK_STATES, "due_at__lt": timezone.now()}
        return queryset.filter(**late) if value == "true" else queryset.exclude(**late)


@extend_schema_view(
    list=extend_schema(examples=[task_examples.GROUP_RESPONSE]),
    retrieve=extend_schema(examples=[task_examples.GROUP_RESPONSE]),
)
class TaskGroupViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TaskGroupSerializer
    permission_classes = [TaskAccess]
    filterset_fields = ["state"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.task_group_list(user=self.request.user)

    @extend_schema(
        request=TaskGroupCreateSerializer,
        responses={201: TaskGroupSerializer},
        examples=[task_examples.GROUP_REQUEST_EXAMPLE, task_examples.GROUP_CREATED],
        summary="Form a task group on a case (moves it to awaiting_departments)",
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        data = TaskGroupCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = get_object_or_404(
            selectors.cases_visible_to(request.user), pk=data.validated_data["case"]
        )
        group = taskgroups.task_group_open(
            case=case,
            actor=request.user,
            title=data.validated_data["title"],
            tasks=data.validated_data["tasks"],
        )
        group = self.get_queryset().get(pk=group.pk)
        return Response(
            TaskGroupSerializer(group, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema_view(
    list=extend_schema(examples=[task_examples.TASK_RESPONSE]),
    retrieve=extend_schema(examples=[task_examples.TASK_RESPONSE]),
    transitions=transitions_schema(
        request=TaskTransitionSerializer,
        response=TaskSerializer,
        listed=[task_examples.TRANSITIONS_RESPONSE],
        examples=[
            OpenApiExample("Accept", value={"transition": "accept"}, request_only=True),
            OpenApiExample(
                "Complete",
                value={"transition": "complete", "outcome": "Installer booked for 14:00"},
                request_only=True,
            ),
            OpenApiExample(
                "Blocked",
                value={
                    "transition": "block",
                    "department": "supply_chain",
                    "reason": "Compressor out of stock",
                },
                request_only=True,
            ),
            task_examples.TASK_DONE,
        ],
        noun="task",
    ),
)
class TaskViewSet(
    TransitionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TaskSerializer
    permission_classes = [TaskAccess]
    machine = taskgroups.TASKS
    transition_serializer_class = TaskTransitionSerializer
    filterset_class = TaskFilter
    ordering_fields = ["due_at", "created_at", "updated_at"]
    ordering = ["due_at", "id"]

    def get_queryset(self):
        return selectors.task_list(user=self.request.user)

    def fire_transition(self, task, *, actor, name: str, **fields) -> None:
        taskgroups.task_transition(task=task, actor=actor, name=name, **fields)

    @extend_schema(
        methods=["GET"],
        responses=TaskMessageSerializer(many=True),
        examples=[task_examples.MESSAGE_RESPONSE],
        summary="The task group's thread",
    )
    @extend_schema(
        methods=["POST"],
        request=TaskMessageSerializer,
        responses={201: TaskMessageSerializer},
        summary="Post to the thread",
        examples=[
            OpenApiExample("Message", value={"body": "Slot confirmed."}, request_only=True),
            task_examples.MESSAGE_CREATED,
        ],
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def messages(self, request, pk=None):
        task = self.get_object()
        taskgroups.check_thread_access(task, request.user)
        if request.method == "GET":
            thread = selectors.task_thread(task)
            page = self.paginate_queryset(thread)
            return self.get_paginated_response(TaskMessageSerializer(page, many=True).data)
        return self._post_message(request, task)

    @idempotent
    def _post_message(self, request, task):
        data = TaskMessageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = taskgroups.task_message_post(
            task=task, actor=request.user, body=data.validated_data["body"]
        )
        return Response(TaskMessageSerializer(message).data, status=status.HTTP_201_CREATED)
