"""Admin for the peak-season systems: thresholds are edited here; surges, forecasts, notices
and broadcasts are read."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from peak.models import (
    Broadcast,
    ForecastPoint,
    ForecastRun,
    Notice,
    Surge,
    SurgeEvent,
    SurgeThreshold,
)


@admin.register(SurgeThreshold)
class SurgeThresholdAdmin(admin.ModelAdmin):
    list_display = ["__str__", "category", "min_count", "ratio"]
    search_fields = ["category"]


class SurgeEventInline(ReadOnlyInline):
    model = SurgeEvent
    fields = ["kind", "from_state", "to_state", "payload", "created_at"]


@admin.register(Surge)
class SurgeAdmin(ReadOnlyAdmin):
    list_display = ["category", "intent", "state", "opened_at", "closed_at", "count", "ratio"]
    list_filter = ["state", "category"]
    search_fields = ["category", "intent"]
    date_hierarchy = "opened_at"
    inlines = [SurgeEventInline]


class ForecastPointInline(ReadOnlyInline):
    model = ForecastPoint
    fields = ["hour", "expected", "low", "high"]


@admin.register(ForecastRun)
class ForecastRunAdmin(ReadOnlyAdmin):
    list_display = ["category", "method", "computed_at", "mae", "seasonal_naive_mae"]
    search_fields = ["category"]
    inlines = [ForecastPointInline]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    """What went to customers: a delivery log, written and sent by the notices job."""

    list_display = ["case", "kind", "channel", "status", "attempts", "sent_at", "green_points"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["case__reference", "last_error"]
    list_select_related = ["case"]
    raw_id_fields = ["case", "event", "broadcast"]
    date_hierarchy = "created_at"


@admin.register(Broadcast)
class BroadcastAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "author", "message", "cases"]
    list_select_related = ["author"]
    search_fields = ["message"]
