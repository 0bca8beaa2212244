"""Task groups and tasks as departments' systems see and send them (PRODUCT.md)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import PersonSerializer, TransitionRequestSerializer
from escalation.api.serializers import SlaClockSerializer, clock_dict
from escalation.models import Department, Task, TaskGroup, TaskMessage
from escalation.sla import clocks as sla_clocks
from escalation.taskgroups import TASK_TRANSITIONS
from quality.api.serializers import QAFlagSerializer


class CaseBriefSerializer(serializers.Serializer):
    """What a department needs of the case to act: no customer identity, no intake log."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    category = serializers.CharField()
    priority = serializers.CharField()
    state = serializers.CharField()
    customer_tier = serializers.CharField(source="customer.tier")
    summary = serializers.SerializerMethodField()

    def get_summary(self, case) -> str:
        intent = (case.context or {}).get("intent")
        text = case.description[:1000]
        return f"{text}\n(intent: {intent})" if intent else text


class TaskSerializer(serializers.ModelSerializer):
    case = CaseBriefSerializer(read_only=True)
    group = serializers.IntegerField(source="group_id", read_only=True)
    department = serializers.CharField(source="department.code", read_only=True)
    assignee = PersonSerializer(read_only=True)
    blocked_on = serializers.IntegerField(source="blocked_on_id", read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "group",
            "case",
            "department",
            "assignee",
            "title",
            "details",
            "due_at",
            "required",
            "state",
            "outcome",
            "reason",
            "blocked_on",
            "overdue",
            "sla",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_overdue(self, task) -> bool:
        return not task.is_finished and task.state != "rejected" and task.due_at < timezone.now()

    @extend_schema_field(SlaClockSerializer(allow_null=True))
    def get_sla(self, task):
        clocks = getattr(task, "open_clocks", None)
        clock = clocks[-1] if clocks else None
        row = sla_clocks.task_clock_row(clock, timezone.now())
        return clock_dict(row) if row else None


class TaskGroupSerializer(serializers.ModelSerializer):
    case = CaseBriefSerializer(read_only=True)
    created_by = PersonSerializer(read_only=True)
    members = PersonSerializer(many=True, read_only=True)
    tasks = serializers.SerializerMethodField()

    class Meta:
        model = TaskGroup
        fields = [
            "id",
            "case",
            "title",
            "state",
            "created_by",
            "members",
            "tasks",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(TaskSerializer(many=True))
    def get_tasks(self, group):
        tasks = getattr(group, "visible_tasks", None)
        if tasks is None:
            tasks = group.tasks.all()
        return TaskSerializer(tasks, many=True, context=self.context).data


@extend_schema_field(OpenApiTypes.STR)
class DepartmentField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(
            slug_field="code", queryset=Department.objects.filter(active=True), **kwargs
        )


@extend_schema_field(OpenApiTypes.STR)
class UsernameField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(
            slug_field="username",
            queryset=get_user_model().objects.filter(is_active=True),
            **kwargs,
        )


class TaskSpecSerializer(serializers.Serializer):
    department = DepartmentField()
    assignee = UsernameField()
    title = serializers.CharField(max_length=200)
    details = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    due_at = serializers.DateTimeField()
    required = serializers.BooleanField(default=True)


class TaskGroupCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=200)
    tasks = TaskSpecSerializer(many=True, allow_empty=False, max_length=20)


class TaskTransitionSerializer(TransitionRequestSerializer):
    """A task transition: ``complete`` needs ``outcome``, ``block`` a ``department``, …"""

    transitions = TASK_TRANSITIONS
    outcome = serializers.CharField(required=False, max_length=10000)
    reason = serializers.CharField(required=False, max_length=2000)
    department = DepartmentField(required=False)
    assignee = UsernameField(required=False)


class TaskMessageSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True)
    # Sensitive terms found when it was posted: a warning, the message is kept as written.
    qa_flags = QAFlagSerializer(many=True, read_only=True)

    class Meta:
        model = TaskMessage
        fields = ["id", "task", "author", "body", "qa_flags", "created_at"]
        read_only_fields = ["id", "task", "author", "qa_flags", "created_at"]
        extra_kwargs = {"body": {"max_length": 10000}}
