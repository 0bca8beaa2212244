"""Demand forecast: expected new cases per category and local hour for the next 14 days.

The history is intake itself: cases per category and hour (``Case.created_at`` is indexed),
zero-filled, over the last ``HISTORY_WEEKS`` weeks. The model is statsmodels' Holt-Winters
(exponential smoothing) on the square root of the counts with an additive season of one week
of hours, which carries both the daily and the weekly pattern; it smooths a one-off promotion into the level instead of
copying it forward as the seasonal-naive baseline (the same hour one week earlier) does.
A category with less than ``MIN_WEEKS`` of history is forecast by its average week instead.

``refresh()`` runs on beat (``peak.refresh_forecast``) and stores one run per category (the
method and its backtest) with one point per hour, so the API and the war report read rows.
The backtest holds out the last week of each category, fits on the rest and compares the
mean absolute error with seasonal-naive's.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import transaction
from django.db.models import Count, Min
from django.db.models.functions import TruncHour
from django.utils import timezone

from escalation.models import Case, Category
from peak.models import ForecastPoint, ForecastRun

HOUR = timedelta(hours=1)
WEEK_HOURS = 7 * 24
#: What the API may ask for.
HORIZON_DAYS = 14
#: What a run stores: the horizon and a day more, so a late refresh still covers 14 days.
STORED_HOURS = (HORIZON_DAYS + 1) * 24
#: How far back the model reads.
HISTORY_WEEKS = 8
#: Holt-Winters estimates a weekly season from at least two weeks.
MIN_WEEKS = 2
#: The backtest's held-out week.
HOLDOUT_HOURS = WEEK_HOURS
#: The band around the expected count: 80 % of normal errors with the fit's residual spread.
BAND_Z = 1.2816

HOLT_WINTERS = "holt_winters_weekly"
WEEKLY_PROFILE = "weekly_profile"


@dataclass(frozen=True)
class Prediction:
    method: str
    expected: np.ndarray
    low: np.ndarray  # the band's edges: 80 % of the fit's one-step errors
    high: np.ndarray


@dataclass(frozen=True)
class Backtest:
    category: str
    hours: int
    mae: float
    seasonal_naive_mae: float
    abs_error: float  # summed, to pool categories
    naive_abs_error: float


def hour_floor(moment: datetime) -> datetime:
    """The local hour ``moment`` falls in."""
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0)


def hourly_history(
    categories: Iterable[str], *, end: datetime, weeks: int = HISTORY_WEEKS
) -> dict[str, np.ndarray]:
    """New cases per local hour for each category, zero-filled, from its first case (at most
    ``weeks`` back) up to the hour before ``end`` (an hour boundary). Two statements."""
    codes = list(categories)
    earliest = end - timedelta(weeks=weeks)
    cases = Case.objects.filter(category__in=codes, created_at__gte=earliest, created_at__lt=end)
    firsts = dict(
        cases.order_by().values_list("category").annotate(first=Min("created_at")).order_by()
    )
    counts = (
        cases.annotate(hour=TruncHour("created_at", tzinfo=end.tzinfo))
        .order_by()
        .values_list("category", "hour")
        .annotate(count=Count("pk"))
    )
    series = {}
    for code in codes:
        first = firsts.get(code)
        start = hour_floor(first) if first is not None else end
        series[code] = np.zeros(int((end - start) / HOUR), dtype=float)
    for code, hour, count in counts:
        start = end - len(series[code]) * HOUR
        series[code][int((hour - start) / HOUR)] = count
    return series


def predict(history: np.ndarray, steps: int) -> Prediction:
    """The next ``steps`` hours after ``history``."""
    if len(history) >= MIN_WEEKS * WEEK_HOURS:
        return _holt_winters(history, steps)
    return _weekly_profile(history, steps)


def _holt_winters(history: np.ndarray, steps: int) -> Prediction:
    """Fitted on the square root of the counts, which steadies a count's noise (it grows
    with the count) so quiet nights and busy mornings weigh alike; squared back after."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    model = ExponentialSmoothing(
        np.sqrt(history),
        trend=None,
        seasonal="add",
        seasonal_periods=WEEK_HOURS,
        initialization_method="heuristic",
    )
    with warnings.catch_warnings():
        # The optimiser's convergence notes say nothing a person can act on.
        warnings.simplefilter("ignore")
        fit = model.fit(optimized=True)
    root = np.clip(np.asarray(fit.forecast(steps), dtype=float), 0, None)
    spread = BAND_Z * float(np.std(fit.resid))
    return Prediction(
        HOLT_WINTERS, root**2, np.clip(root - spread, 0, None) ** 2, (root + spread) ** 2
    )


def _weekly_profile(history: np.ndarray, steps: int) -> Prediction:
    """Too little history for a model: the average of each hour of the week seen so far (the
    average hour where that hour was never seen)."""
    if not len(history):
        return Prediction(WEEKLY_PROFILE, np.zeros(steps), np.zeros(steps), np.zeros(steps))
    mean = float(history.mean())
    phase = len(history) % WEEK_HOURS
    profile = np.full(WEEK_HOURS, mean)
    for offset in range(WEEK_HOURS):
        seen = history[offset::WEEK_HOURS]
        if len(seen):
            profile[offset] = seen.mean()
    expected = np.array([profile[(phase + step) % WEEK_HOURS] for step in range(steps)])
    spread = BAND_Z * float(np.std(history - mean))
    return Prediction(
        WEEKLY_PROFILE, expected, np.clip(expected - spread, 0, None), expected + spread
    )


def seasonal_naive(history: np.ndarray, steps: int) -> np.ndarray:
    """The baseline: each hour as it was one week earlier."""
    last_week = history[-WEEK_HOURS:]
    return np.array([last_week[step % WEEK_HOURS] for step in range(steps)], dtype=float)


def backtest(category: str, history: np.ndarray) -> Backtest | None:
    """Fit on all but the last week, forecast that week; None without a week before it."""
    train, held_out = history[:-HOLDOUT_HOURS], history[-HOLDOUT_HOURS:]
    if len(held_out) < HOLDOUT_HOURS or len(train) < WEEK_HOURS:
        return None
    model = np.abs(predict(train, HOLDOUT_HOURS).expected - held_out).sum()
    naive = np.abs(seasonal_naive(train, HOLDOUT_HOURS) - held_out).sum()
    return Backtest(
        category=category,
        hours=HOLDOUT_HOURS,
        mae=float(model / HOLDOUT_HOURS),
        seasonal_naive_mae=float(naive / HOLDOUT_HOURS),
        abs_error=float(model),
        naive_abs_error=float(naive),
    )


def pooled(results: list[Backtest]) -> tuple[float, float] | None:
    """Model and seasonal-naive MAE over every held-out hour of every category."""
    hours = sum(result.hours for result in results)
    if not hours:
        return None
    return (
        sum(result.abs_error for result in results) / hours,
        sum(result.naive_abs_error for result in results) / hours,
    )


def categories() -> list[str]:
    return list(Category.objects.order_by("code").values_list("code", flat=True))


def refresh(codes: Iterable[str] | None = None, *, now: datetime | None = None) -> int:
    """Forecast each category from the current hour on and store it in place of its last
    run. Safe to repeat and to run in two workers at once: the run row is locked while its
    points are replaced. Returns how many categories were refreshed."""
    start = hour_floor(now or timezone.now())
    codes = categories() if codes is None else list(codes)
    history = hourly_history(codes, end=start)
    for code in codes:
        store(code, history[code], start=start)
    return len(codes)


def store(category: str, history: np.ndarray, *, start: datetime) -> ForecastRun:
    prediction = predict(history, STORED_HOURS)
    tested = backtest(category, history)
    with transaction.atomic():
        run, _ = ForecastRun.objects.select_for_update().update_or_create(
            category=category,
            defaults={
                "method": prediction.method,
                "computed_at": timezone.now(),
                "starts_at": start,
                "history_hours": len(history),
                "mae": tested.mae if tested else None,
                "seasonal_naive_mae": tested.seasonal_naive_mae if tested else None,
            },
        )
        run.points.all().delete()
        ForecastPoint.objects.bulk_create(
            ForecastPoint(
                run=run,
                hour=start + step * HOUR,
                expected=round(float(prediction.expected[step]), 3),
                low=round(float(prediction.low[step]), 3),
                high=round(float(prediction.high[step]), 3),
            )
            for step in range(STORED_HOURS)
        )
    return run


@dataclass(frozen=True)
class Forecast:
    """What the API answers for one category."""

    category: str
    method: str
    points: list[ForecastPoint]
    backtest: dict[str, float | None]


def for_category(category: str, *, days: int, now: datetime | None = None) -> Forecast:
    """The stored forecast of ``category`` from the current hour for ``days`` days; worked
    out now (and stored) only when nothing stored covers them (before the first refresh, or
    when the refresh has stopped for more than a day)."""
    start = hour_floor(now or timezone.now())
    end = start + timedelta(days=days)
    run = ForecastRun.objects.filter(category=category).first()
    if run is None or run.starts_at + STORED_HOURS * HOUR < end:
        refresh([category], now=start)
        run = ForecastRun.objects.get(category=category)
    points = list(run.points.filter(hour__gte=start, hour__lt=end).order_by("hour"))
    return Forecast(
        category=category,
        method=run.method,
        points=points,
        backtest={"mae": run.mae, "seasonal_naive_mae": run.seasonal_naive_mae},
    )


@dataclass(frozen=True)
class HourAhead:
    """The war report's row: every category's expected new cases in one hour."""

    hour: datetime
    expected: float
    high: float


def next_hours(now: datetime, hours: int = 24) -> list[HourAhead]:
    """Expected new cases in each of the next ``hours`` hours, all categories together (the
    upper figure adds each category's band: a cautious ceiling). One statement."""
    from django.db.models import Sum

    start = hour_floor(now)
    rows = (
        ForecastPoint.objects.filter(hour__gte=start, hour__lt=start + hours * HOUR)
        .order_by()
        .values_list("hour")
        .annotate(expected=Sum("expected"), high=Sum("high"))
        .order_by("hour")
    )
    return [HourAhead(hour, expected or 0.0, high or 0.0) for hour, expected, high in rows]
