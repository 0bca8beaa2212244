"""Admin for the sensitive-term list: the matcher of every process sees edits on its next
check (``quality.checks``)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quality.models import SensitiveTerm


@admin.register(SensitiveTerm)
class SensitiveTermAdmin(admin.ModelAdmin):
    list_display = ["term", "language", "category", "active", "note", "updated_at"]
    list_filter = ["language", "category", "active"]
    search_fields = ["term", "note"]
    actions = ["activate", "deactivate"]

    def _set_active(self, queryset, active: bool) -> int:
        # ``updated_at`` too: it is how every process's matcher sees the change.
        return queryset.update(active=active, updated_at=timezone.now())

    @admin.action(description=_("Check for the selected terms"))
    def activate(self, request, queryset):
        self._set_active(queryset, True)

    @admin.action(description=_("Stop checking for the selected terms"))
    def deactivate(self, request, queryset):
        self._set_active(queryset, False)
