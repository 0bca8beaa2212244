"""Admin: badges (names, points, thresholds) are edited here; awards and the ledger are read."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from team.models import Badge, BadgeAward, PointsEntry


@admin.register(Badge)
class BadgeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "points", "threshold", "active"]
    list_editable = ["points", "threshold", "active"]
    readonly_fields = ["code"]

    def has_add_permission(self, request) -> bool:
        return False  # one badge per rule, seeded by a migration

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BadgeAward)
class BadgeAwardAdmin(ReadOnlyAdmin):
    list_display = ["badge", "user", "key", "case", "awarded_at"]
    list_filter = ["badge"]
    search_fields = ["user__username", "key", "case__reference"]
    list_select_related = ["badge", "user", "case"]
    raw_id_fields = ["case", "event", "user"]
    date_hierarchy = "awarded_at"


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = ["user", "points", "rule", "award", "created_at"]
    list_filter = ["rule"]
    search_fields = ["user__username"]
    list_select_related = ["user", "award__badge", "award__user"]
    raw_id_fields = ["award", "user"]
    date_hierarchy = "created_at"
