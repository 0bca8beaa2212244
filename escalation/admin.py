"""Admin for the escalation domain. Case transitions go through the same services as the API."""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.admin import (
    NoAddOrDeleteMixin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ReasonForm,
    ServiceTransitionAdmin,
)
from escalation import services
from escalation.models import (
    AssignmentPolicy,
    Case,
    CaseEvent,
    Category,
    Certification,
    Customer,
    Department,
    DepartmentMembership,
    EscalationOfficer,
    OfficerEvent,
)

# The SLA and task-group models register in their own packages' admin modules.
from escalation.sla import admin as sla_admin  # noqa: F401
from escalation.taskgroups import admin as taskgroups_admin  # noqa: F401


class MembershipInline(admin.TabularInline):
    model = DepartmentMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    inlines = [MembershipInline]
    # A webhook typed without a scheme is an https one (Django 6's default, asked for now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(DepartmentMembership)
class DepartmentMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "is_lead"]
    list_filter = ["department", "is_lead"]
    search_fields = ["user__username", "department__code"]
    autocomplete_fields = ["user", "department"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """One list for cases and knowledge; intake adds a new case category named by its code."""

    list_display = ["code", "name", "sensitive", "basic"]
    list_filter = ["sensitive", "basic"]
    search_fields = ["code", "name"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["external_id", "name", "tier", "created_at"]
    list_filter = ["tier"]
    search_fields = ["external_id", "name"]

    def save_model(self, request, obj, form, change):
        """A new tier retargets the clocks of the customer's open cases, each audited."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        obj.refresh_from_db(fields=list(changes))
        services.customer_update(customer=obj, actor=request.user, changes=changes)


class CertificationInline(admin.TabularInline):
    model = Certification
    extra = 0
    fields = ["department", "categories", "expires_on", "created_at"]
    readonly_fields = ["created_at"]


class OfficerEventInline(ReadOnlyInline):
    model = OfficerEvent
    fields = ["created_at", "kind", "actor", "from_value", "to_value", "payload"]
    ordering = ["-id"]


@admin.register(EscalationOfficer)
class EscalationOfficerAdmin(admin.ModelAdmin):
    """Availability is the officer's own (workbench or API), so it is only shown here: each
    change is audited, as is strain, which the floor check records."""

    list_display = [
        "user",
        "level",
        "max_open_cases",
        "availability",
        "strained_since",
        "pool",
        "lead",
        "active",
    ]
    list_filter = ["level", "active", "availability", "pool", "departments"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "lead"]
    filter_horizontal = ["departments"]
    readonly_fields = ["availability", "available_since", "strained_since"]
    inlines = [CertificationInline, OfficerEventInline]


@admin.register(AssignmentPolicy)
class AssignmentPolicyAdmin(admin.ModelAdmin):
    """The one row of fatigue and shared-pool thresholds."""

    list_display = [
        "__str__",
        "strained_after_minutes",
        "strained_open_high_priority",
        "pool_after_minutes",
        "updated_at",
    ]

    def has_add_permission(self, request) -> bool:
        return not AssignmentPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["officer", "department", "categories", "expires_on"]
    list_filter = ["department", "expires_on"]
    search_fields = ["officer__user__username"]
    autocomplete_fields = ["officer"]


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["created_at", "kind", "actor", "from_state", "to_state", "payload"]
    ordering = ["id"]


class AssignForm(forms.Form):
    officer = forms.ModelChoiceField(
        label=_("Officer"), queryset=EscalationOfficer.objects.filter(active=True)
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea)


@admin.register(Case)
class CaseAdmin(NoAddOrDeleteMixin, ServiceTransitionAdmin):
    transition_names = services.CASE_TRANSITIONS
    fsm_forms = {
        "assign": AssignForm,
        "resolve": ResolveForm,
        "reopen": ReasonForm,
        "cancel": ReasonForm,
    }
    list_display = [
        "reference",
        "title",
        "state",
        "priority",
        "category",
        "customer",
        "officer",
        "escalation_level",
        "created_at",
    ]
    list_filter = ["state", "priority", "channel", "category", "escalation_level", "customer__tier"]
    search_fields = ["reference", "title", "customer__external_id", "customer__name"]
    list_select_related = ["customer", "officer__user"]
    readonly_fields = [
        "reference",
        "customer",
        "officer",
        "escalation_level",
        "opened_by",
        "resolution",
        "created_at",
        "updated_at",
        "resolved_at",
        "closed_at",
    ]
    date_hierarchy = "created_at"
    inlines = [CaseEventInline]

    def save_model(self, request, obj, form, change):
        """Edits go through the case-update service: audited, live, and the SLA targets
        recomputed when priority or category change. Cases come in through intake."""
        if change and form.changed_data:
            services.case_update(
                case=obj,
                actor=request.user,
                changes={name: form.cleaned_data[name] for name in form.changed_data},
            )

    def fire_transition(self, obj, *, actor, name, **fields) -> None:
        services.case_transition(case=obj, actor=actor, name=name, **fields)


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "case", "kind", "actor", "from_state", "to_state", "created_at"]
    list_filter = ["kind", "to_state"]
    search_fields = ["case__reference", "kind"]
    list_select_related = ["case", "actor"]


# The timeline and task-group models register themselves in their own modules.
