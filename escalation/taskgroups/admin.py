"""Admin for task groups, tasks (transitions through the services) and webhook deliveries."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.admin import (
    NoAddOrDeleteMixin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ReasonForm,
    ServiceTransitionAdmin,
)
from escalation.models import Department, Task, TaskGroup, TaskMessage, WebhookDelivery
from escalation.taskgroups import services as taskgroups


class TaskInline(ReadOnlyInline):
    model = Task
    fields = ["department", "assignee", "title", "due_at", "state", "required"]
    show_change_link = True


class MessageInline(ReadOnlyInline):
    model = TaskMessage
    fields = ["created_at", "author", "task", "body"]


@admin.register(TaskGroup)
class TaskGroupAdmin(admin.ModelAdmin):
    list_display = ["title", "case", "state", "created_by", "created_at"]
    list_filter = ["state"]
    search_fields = ["title", "case__reference"]
    list_select_related = ["case", "created_by"]
    readonly_fields = ["case", "created_by", "created_at", "closed_at", "state"]
    filter_horizontal = ["members"]
    inlines = [TaskInline, MessageInline]

    def has_add_permission(self, request):
        return False  # groups are formed from a case, through the API or the workbench


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea)


class BlockForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.filter(active=True)
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)


class ReassignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=get_user_model().objects.filter(is_active=True)
    )


@admin.register(Task)
class TaskAdmin(NoAddOrDeleteMixin, ServiceTransitionAdmin):
    transition_names = taskgroups.TASK_TRANSITIONS
    fsm_forms = {
        "complete": OutcomeForm,
        "reject": ReasonForm,
        "cancel": ReasonForm,
        "block": BlockForm,
        "reassign": ReassignForm,
    }
    list_display = ["title", "case", "department", "assignee", "state", "due_at"]
    list_filter = ["state", "department", "required"]
    search_fields = ["title", "case__reference", "assignee__username"]
    list_select_related = ["case", "department", "assignee"]
    readonly_fields = [
        "group",
        "case",
        "department",
        "assignee",
        "outcome",
        "reason",
        "blocked_on",
        "created_at",
        "updated_at",
    ]

    def fire_transition(self, obj, *, actor, name, **fields) -> None:
        taskgroups.task_transition(task=obj, actor=actor, name=name, **fields)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "department",
        "event",
        "state",
        "attempts",
        "response_status",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["state", "department", "event"]
    search_fields = ["event", "url"]
