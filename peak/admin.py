"""Admin for the peak-season systems: thresholds are edited here; surges are read."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from peak.models import ForecastPoint, ForecastRun, Surge, SurgeEvent, SurgeThreshold


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
