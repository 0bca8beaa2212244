"""Admin for compensation: kinds and policies are edited here; grants and the ledger are read.

Grants change only through the services (request over the API or web UI; approve, decline
and revoke as admin actions below), so the caps, the ledger and the audit trail hold.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from compensation import services
from compensation.models import AuthorityPolicy, CompensationKind, Grant, LedgerEntry
from core.admin import NoAddOrDeleteMixin, ReadOnlyAdmin, ReadOnlyInline
from core.errors import CaseHubError


@admin.register(CompensationKind)
class CompensationKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit_value", "money_like", "risk", "issuer", "active"]
    list_filter = ["money_like", "risk", "active"]
    search_fields = ["code", "name"]


@admin.register(AuthorityPolicy)
class AuthorityPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "role",
        "currency",
        "per_grant_limit",
        "approval_ceiling",
        "per_day_limit",
        "per_month_limit",
        "per_case_limit",
        "per_customer_limit",
        "timezone",
    ]


class LedgerInline(ReadOnlyInline):
    model = LedgerEntry
    fields = ["created_at", "kind", "delta", "currency", "actor"]


def _fire(modeladmin, request, queryset, name: str, **fields) -> int:
    """Fire ``name`` on each grant; refusals are shown per grant. Returns how many fired."""
    done = 0
    for grant in queryset:
        try:
            services.grant_transition(grant=grant, actor=request.user, name=name, **fields)
            done += 1
        except CaseHubError as refusal:
            modeladmin.message_user(
                request,
                _("#%(id)s: %(detail)s") % {"id": grant.pk, "detail": refusal.detail},
                messages.ERROR,
            )
    return done


@admin.register(Grant)
class GrantAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    # grants are requested through the API or the case page, under the caps
    list_display = [
        "id",
        "case",
        "kind",
        "amount",
        "currency",
        "state",
        "requested_by",
        "review",
        "created_at",
    ]
    list_filter = ["state", "review", "kind", "currency"]
    search_fields = ["case__reference", "requested_by__username", "voucher_code"]
    list_select_related = ["case", "kind", "requested_by"]
    date_hierarchy = "created_at"
    inlines = [LedgerInline]
    actions = ["approve", "decline_with_reason", "revoke_with_reason"]

    def get_readonly_fields(self, request, obj=None):
        editable = {"review_note"}
        return [f.name for f in Grant._meta.fields if f.name not in editable]

    @admin.action(description=_("Approve the selected pending grants"))
    def approve(self, request, queryset):
        if done := _fire(self, request, queryset, "approve"):
            self.message_user(
                request,
                ngettext("%(n)d grant approved.", "%(n)d grants approved.", done) % {"n": done},
            )

    @admin.action(description=_("Decline the selected pending grants (reason: by admin)"))
    def decline_with_reason(self, request, queryset):
        reason = str(_("Declined in the admin."))
        if done := _fire(self, request, queryset, "decline", reason=reason):
            self.message_user(
                request,
                ngettext("%(n)d grant declined.", "%(n)d grants declined.", done) % {"n": done},
            )

    @admin.action(description=_("Revoke the selected issued grants (reason: by admin)"))
    def revoke_with_reason(self, request, queryset):
        reason = str(_("Revoked in the admin."))
        if done := _fire(self, request, queryset, "revoke", reason=reason):
            self.message_user(
                request,
                ngettext("%(n)d grant revoked.", "%(n)d grants revoked.", done) % {"n": done},
            )


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "grant", "kind", "delta", "currency", "officer", "case", "created_at"]
    list_filter = ["kind", "currency"]
    search_fields = ["case__reference", "officer__username"]
    list_select_related = ["grant", "officer", "case"]
