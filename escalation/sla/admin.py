"""Admin for closure timelines: calendars, policies (in precedence order, with a preview of
which policy a case gets and why), rules, clocks."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import models as db
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core import calendars
from core.admin import ReadOnlyAdmin
from escalation.models import (
    BusinessCalendar,
    Case,
    Customer,
    EscalationRule,
    Holiday,
    Notification,
    SlaClock,
    SlaPolicy,
)
from escalation.sla import clocks
from escalation.sla import policies as sla_policies


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "always_open", "holiday_country", "updated_at"]
    list_filter = ["always_open", "timezone"]
    search_fields = ["name"]
    inlines = [HolidayInline]


class WhichPolicyForm(forms.Form):
    """The facts of a case, to ask which policy it would get."""

    priority = forms.ChoiceField(label=_("priority"), choices=Case.Priority.choices)
    tier = forms.ChoiceField(label=_("customer tier"), choices=Customer.Tier.choices)
    category = forms.SlugField(label=_("category"), max_length=64, required=False)


def _fresh_policies() -> list[SlaPolicy]:
    """The active policies as the database has them now (not this process's cache)."""
    return list(SlaPolicy.objects.filter(active=True).select_related("calendar"))


def _due_times(policy: SlaPolicy, now) -> list[tuple[str, str]]:
    spec = clocks.calendar_spec(policy.calendar)
    return [
        (
            str(SlaClock.Kind(kind).label).lower(),
            dateformat.format(
                timezone.localtime(
                    calendars.add_business_seconds(spec, now, policy.target_for(kind))
                ),
                "D Y-m-d H:i T",
            ),
        )
        for kind in ("first_response", "next_update", "resolution")
    ]


def _case_label(priority: str, tier: str, category: str) -> str:
    return " · ".join(
        [
            priority,
            str(dict(Customer.Tier.choices)[tier]),
            category or str(_("a category no policy names")),
        ]
    )


def ties(policies: list[SlaPolicy]) -> list[tuple[SlaPolicy, SlaPolicy]]:
    """Pairs of active policies that could both match one case and tie on order and fields."""
    pairs = []
    for index, first in enumerate(policies):
        for second in policies[index + 1 :]:
            if first.order != second.order or first.specificity != second.specificity:
                continue
            if all(
                a == b or not a or not b
                for a, b in (
                    (first.priority, second.priority),
                    (first.customer_tier, second.customer_tier),
                    (first.category, second.category),
                )
            ):
                pairs.append((first, second))
    return pairs


def _fields_set():
    def is_set(field):
        return db.Case(db.When(~db.Q(**{field: ""}), then=db.Value(1)), default=db.Value(0))

    return is_set("priority") + is_set("customer_tier") + is_set("category")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "order",
        "priority",
        "customer_tier",
        "category",
        "calendar",
        "first_response_seconds",
        "next_update_seconds",
        "resolution_seconds",
        "active",
    ]
    list_display_links = ["name"]
    list_editable = ["order"]
    list_filter = ["priority", "customer_tier", "active", "calendar"]
    search_fields = ["name", "category"]
    readonly_fields = ["preview", "who_gets_it"]

    list_select_related = ["calendar"]
    # In precedence order: of the rows matching a case, the first applies.
    ordering = ["order", _fields_set().desc(), "pk"]

    def get_urls(self):
        which = path(
            "which/",
            self.admin_site.admin_view(self.which_view),
            name="escalation_slapolicy_which",
        )
        return [which, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            for first, second in ties(sorted(_fresh_policies(), key=lambda p: p.pk)):
                self.message_user(
                    request,
                    _(
                        "“%(first)s” and “%(second)s” have the same order and are as specific "
                        "as each other: a case both match gets the older one. Give one a lower "
                        "order to decide."
                    )
                    % {"first": first, "second": second},
                    messages.WARNING,
                )
        return super().changelist_view(request, extra_context)

    def which_view(self, request):
        """Which policy a case with the given priority, tier and category would get, and why."""
        form = WhichPolicyForm(request.GET or None)
        answer = None
        if form.is_valid():
            facts = form.cleaned_data
            ranked = sla_policies.ranked_policies(
                priority=facts["priority"],
                tier=facts["tier"],
                category=facts["category"],
                policies=_fresh_policies(),
            )
            answer = {
                "case": _case_label(facts["priority"], facts["tier"], facts["category"]),
                "policy": ranked[0] if ranked else None,
                "why": sla_policies.why_this_policy(ranked),
                "due": _due_times(ranked[0], timezone.now()) if ranked else [],
                "ranked": ranked,
            }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Which SLA policy applies?"),
            "form": form,
            "answer": answer,
            "cache_seconds": settings.CASEHUB_SLA_POLICY_CACHE_SECONDS,
        }
        return TemplateResponse(request, "admin/escalation/slapolicy/which.html", context)

    @admin.display(description=_("Preview"))
    def preview(self, policy: SlaPolicy):
        """When a case opened now under this policy would be due."""
        if policy.pk is None:
            return _("Save the policy to see when a case opened now would be due.")
        header = format_html("<p>{}</p>", _("A case opened now would be due:"))
        return header + format_html_join(
            "", "<div>{}: <strong>{}</strong></div>", _due_times(policy, timezone.now())
        )

    @admin.display(description=_("Which cases get it"))
    def who_gets_it(self, policy: SlaPolicy):
        """For each kind of case this policy matches, the policy that case gets, and why."""
        if policy.pk is None:
            return _("Save the policy to see which cases get it.")
        fresh = _fresh_policies()
        rows = []
        for priority in (
            [policy.priority] if policy.priority else [p for p, _l in Case.Priority.choices]
        ):
            for tier in (
                [policy.customer_tier]
                if policy.customer_tier
                else [t for t, _l in Customer.Tier.choices]
            ):
                ranked = sla_policies.ranked_policies(
                    priority=priority, tier=tier, category=policy.category, policies=fresh
                )
                rows.append(
                    (
                        _case_label(priority, tier, policy.category),
                        ranked[0] if ranked else "—",
                        sla_policies.why_this_policy(ranked),
                    )
                )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("A case of"),
            _("gets"),
            _("because"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ["level", "notify_lead", "send_email", "reassign_to_level", "raise_priority"]


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "cycle", "state", "due_at", "warned_at", "breached_at"]
    list_filter = ["kind"]
    search_fields = ["case__reference"]
    list_select_related = ["case"]
    date_hierarchy = "due_at"

    @admin.display(description=_("state"))
    def state(self, clock: SlaClock) -> str:
        return clock.state


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "text", "case", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__username", "text"]
    list_select_related = ["recipient", "case"]
