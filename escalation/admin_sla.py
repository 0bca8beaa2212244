"""Admin for closure timelines: calendars, policies (with a due-time preview), rules, clocks."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from escalation import calendars, sla
from escalation.models import (
    BusinessCalendar,
    EscalationRule,
    Holiday,
    Notification,
    SlaClock,
    SlaPolicy,
)


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "always_open", "holiday_country", "updated_at"]
    list_filter = ["always_open", "timezone"]
    search_fields = ["name"]
    inlines = [HolidayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "priority",
        "customer_tier",
        "category",
        "calendar",
        "first_response_seconds",
        "next_update_seconds",
        "resolution_seconds",
        "active",
    ]
    list_filter = ["priority", "customer_tier", "active", "calendar"]
    search_fields = ["name", "category"]
    readonly_fields = ["preview"]

    @admin.display(description=_("Preview"))
    def preview(self, policy: SlaPolicy):
        """What a matching case opened now would be given."""
        if policy.pk is None:
            return _("Save the policy to see when a case opened now would be due.")
        now = timezone.now()
        spec = sla.calendar_spec(policy.calendar)
        who = " ".join(
            filter(None, [policy.priority, policy.customer_tier, policy.category or "any category"])
        )
        rows = [
            (
                kind.replace("_", " "),
                timezone.localtime(
                    calendars.add_business_seconds(spec, now, policy.target_for(kind))
                ).strftime("%a %Y-%m-%d %H:%M %Z"),
            )
            for kind in ("first_response", "next_update", "resolution")
        ]
        header = format_html(
            "<p>{}</p>", _("A %(who)s case opened now would be due:") % {"who": who}
        )
        return header + format_html_join("", "<div>{}: <strong>{}</strong></div>", rows)


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


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "text", "case", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__username", "text"]
    list_select_related = ["recipient", "case"]
