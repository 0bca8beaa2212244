"""The admin's shared parts: state-machine buttons through the services, read-only records.

django-fsm-2's admin mixin would call the model's transition and save it directly; these
admins route the button to the same service the API uses, so the admin writes the same
audit events and live updates, and refusals show as messages.
"""

from collections.abc import Collection

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django_fsm.admin import FSMAdminMixin

from core.errors import CaseHubError
from core.models import PendingJob


class ServiceTransitionAdmin(FSMAdminMixin, admin.ModelAdmin):
    fsm_fields = ["state"]
    #: The transitions people may fire (internal ones stay hidden).
    transition_names: Collection[str] = ()

    def fire_transition(self, obj, *, actor, name: str, **fields) -> None:
        raise NotImplementedError

    def is_fsm_transition_visible(self, transition) -> bool:
        return transition.name in self.transition_names

    def get_fsm_block_label(self, fsm_field_name: str) -> str:  # type: ignore[override]
        field = self.model._meta.get_field(fsm_field_name)
        return _("Transition (%(field)s)") % {
            "field": getattr(field, "verbose_name", fsm_field_name)
        }

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None) -> bool:
        transition = self._get_fsm_transition_by_name(obj=obj, transition_name=transition_name)
        try:
            self.fire_transition(obj, actor=request.user, name=transition_name, **(kwargs or {}))
        except CaseHubError as refusal:
            self.message_user(request, refusal.detail, level=messages.ERROR)
            return False
        self.message_user(
            request,
            _("%(name)s done.") % {"name": self.get_fsm_label(transition)},
            level=messages.SUCCESS,
        )
        return True

    def response_change(self, request, obj):
        # A transition button must not also save edited fields: reload before firing.
        if request.POST.get(self.fsm_post_param):
            obj.refresh_from_db()
        return super().response_change(request, obj)


class NoAddOrDeleteMixin:
    """Records that come from the services only: the admin neither adds nor deletes them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    """An append-only record (audit trail, ledger, delivery log): shown, never changed here."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent, never added, changed or deleted there."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReasonForm(forms.Form):
    """The ``reason`` a transition needs (cancel, reject, decline, reopen …)."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)


@admin.register(PendingJob)
class PendingJobAdmin(admin.ModelAdmin):
    """Jobs kept while the broker was down; ``core.send_pending_jobs`` sends them."""

    list_display = ("name", "args", "created_at", "attempts", "last_error")
    readonly_fields = ("name", "args", "options", "created_at", "attempts", "last_error")

    def has_add_permission(self, request) -> bool:
        return False
