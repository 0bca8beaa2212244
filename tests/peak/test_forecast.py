"""Demand forecast: the hourly series from intake, the model against seasonal-naive, the
stored runs the refresh job replaces, the API's contract and refusals, and the backtest
command."""

from datetime import timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import roles
from escalation.models import Case, Category
from peak import forecast, jobs
from peak.models import ForecastPoint, ForecastRun
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/forecast/"
# A Wednesday, 10:00 local time (Asia/Shanghai).
NOW = timezone.make_aware(timezone.datetime(2026, 7, 15, 10, 7))
START = forecast.hour_floor(NOW)
DAY = [0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.2, 0.4, 0.8, 1.2, 1.5, 1.4]
DAY += [1.1, 1.2, 1.4, 1.5, 1.3, 1.1, 0.9, 0.9, 1.0, 0.9, 0.6, 0.3]
WEEK = [1.15, 1.0, 1.0, 1.0, 0.9, 0.75, 0.6]


def synthetic(weeks: int, *, scale: float, seed: int, spike_days=(12, 9)) -> np.ndarray:
    """Poisson counts per hour with a daily and a weekly shape, and a promotion that lifts
    intake 2.5 times from ``spike_days[0]`` to ``spike_days[1]`` days before the end."""
    hours = np.arange(weeks * forecast.WEEK_HOURS)
    rate = scale * np.array([DAY[h % 24] * WEEK[(h // 24) % 7] for h in hours])
    end = len(hours)
    rate[end - spike_days[0] * 24 : end - spike_days[1] * 24] *= 2.5
    return np.random.default_rng(seed).poisson(rate).astype(float)


def arrive(n, *, at, category="installation"):
    made = CaseFactory.create_batch(n, category=category)
    Case.objects.filter(pk__in=[case.pk for case in made]).update(created_at=at)


@pytest.fixture
def installation(db):
    return Category.objects.ensure("installation")


def reader(role=roles.SUPERVISORS):
    return UserFactory(roles=[role])


# --- the series ---------------------------------------------------------------------------


def test_the_hourly_series_counts_local_hours_and_fills_the_quiet_ones_with_zero(installation):
    arrive(2, at=START - timedelta(hours=4, minutes=-10))  # 06:10 local
    arrive(1, at=START - timedelta(minutes=1))  # 09:59 local
    arrive(5, at=START + timedelta(minutes=2))  # the current hour: not history yet
    arrive(4, at=START - timedelta(hours=2), category="delivery")

    series = forecast.hourly_history(["installation", "delivery", "billing"], end=START)

    assert list(series["installation"]) == [2, 0, 0, 1]
    assert list(series["delivery"]) == [4, 0]  # 08:00 and 09:00
    assert len(series["billing"]) == 0


def test_the_series_reads_at_most_the_history_weeks(installation):
    arrive(1, at=START - timedelta(weeks=forecast.HISTORY_WEEKS, hours=1))
    arrive(1, at=START - timedelta(hours=1))

    assert list(forecast.hourly_history(["installation"], end=START)["installation"]) == [1]


# --- the model ----------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [0.8, 3.0, 12.0])
def test_the_model_beats_seasonal_naive_on_history_with_a_promotion(scale):
    results = [forecast.backtest("c", synthetic(6, scale=scale, seed=seed)) for seed in range(4)]

    mae, naive = forecast.pooled(results)

    assert all(result.mae < result.seasonal_naive_mae for result in results)
    assert mae < 0.8 * naive


def test_the_model_keeps_the_daily_shape():
    prediction = forecast.predict(synthetic(6, scale=5, seed=1), 48)

    assert prediction.method == forecast.HOLT_WINTERS
    night, morning = prediction.expected[3], prediction.expected[10]  # 03:00 and 10:00
    assert morning > 5 * night
    assert (prediction.low <= prediction.expected).all()
    assert (prediction.expected <= prediction.high).all()
    assert (prediction.low >= 0).all()


def test_less_than_two_weeks_is_forecast_by_the_average_week():
    history = np.tile(np.arange(24, dtype=float), 7)  # one week: 0..23 every day

    prediction = forecast.predict(history, 30)

    assert prediction.method == forecast.WEEKLY_PROFILE
    assert list(prediction.expected[:3]) == [0, 1, 2]
    assert forecast.backtest("c", history) is None


# --- the stored forecast and the refresh job ------------------------------------------------


def test_the_refresh_job_stores_one_run_per_category_and_replaces_it(installation):
    Category.objects.ensure("delivery")
    arrive(3, at=forecast.hour_floor(timezone.now()) - timedelta(hours=5))

    jobs.refresh_forecast.apply()
    first = {run.category: run.pk for run in ForecastRun.objects.all()}
    jobs.refresh_forecast.apply()

    assert {run.category: run.pk for run in ForecastRun.objects.all()} == first
    assert ForecastPoint.objects.count() == 2 * forecast.STORED_HOURS
    points = ForecastPoint.objects.filter(run__category="installation").order_by("hour")
    assert points.first().hour >= forecast.hour_floor(timezone.now())
    assert ForecastRun.objects.get(category="installation").history_hours == 5


def test_a_refresh_an_hour_later_moves_the_points_on(installation):
    forecast.refresh(now=NOW)
    forecast.refresh(now=NOW + timedelta(hours=1))

    hours = list(ForecastPoint.objects.order_by("hour").values_list("hour", flat=True))
    assert hours[0] == START + timedelta(hours=1)
    assert len(hours) == forecast.STORED_HOURS


# --- the API ------------------------------------------------------------------------------


def test_the_forecast_answers_its_contract(api, installation):
    arrive(2, at=START - timedelta(hours=1))
    forecast.refresh(now=timezone.now())

    body = api(reader()).get(URL, {"category": "installation", "days": 2}).json()

    assert set(body) == {"category", "method", "points", "backtest"}
    assert body["category"] == "installation" and body["method"] == forecast.WEEKLY_PROFILE
    assert len(body["points"]) == 48
    assert set(body["points"][0]) == {"hour", "expected", "low", "high"}
    assert body["points"][0]["hour"].endswith("+08:00")
    assert body["backtest"] == {"mae": None, "seasonal_naive_mae": None}


def test_fourteen_days_by_default(api, installation):
    body = api(reader()).get(URL, {"category": "installation"}).json()

    assert len(body["points"]) == 14 * 24


def test_the_api_works_the_forecast_out_when_none_is_stored(api, installation):
    assert not ForecastRun.objects.exists()

    response = api(reader(roles.OFFICERS)).get(URL, {"category": "installation", "days": 1})

    assert response.status_code == 200 and len(response.json()["points"]) == 24
    assert ForecastRun.objects.filter(category="installation").exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "category"),
        ({"category": "no_such_thing"}, "category"),
        ({"category": "installation", "days": 0}, "days"),
        ({"category": "installation", "days": 15}, "days"),
        ({"category": "installation", "days": "a week"}, "days"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, installation, query, field):
    response = api(reader()).get(URL, query)

    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (roles.SUPERVISORS, 200),
        (roles.OFFICERS, 200),
        (roles.KNOWLEDGE_TEAM, 200),
        (roles.FRONTLINE, 403),
        (roles.DEPARTMENT_MEMBERS, 403),
    ],
)
def test_who_reads_the_forecast(api, installation, role, status):
    response = api(reader(role)).get(URL, {"category": "installation", "days": 1})

    assert response.status_code == status


def test_anonymous_people_are_refused(api, installation):
    assert api().get(URL, {"category": "installation"}).status_code in (401, 403)


def test_the_api_runs_the_same_queries_for_any_horizon(api, installation):
    forecast.refresh()
    client = api(reader())

    def count(days: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, {"category": "installation", "days": days}).status_code == 200
        return len(captured)

    count(14)  # the first request of a client reads what later ones have cached
    assert count(1) == count(14)


# --- the backtest command -----------------------------------------------------------------


def run_backtest(monkeypatch, history: dict, *args) -> str:
    """The command on ``history`` instead of intake (the series itself is tested above)."""
    monkeypatch.setattr(forecast, "categories", lambda: list(history))
    monkeypatch.setattr(forecast, "hourly_history", lambda codes, end: history)
    out = StringIO()
    call_command("forecast_backtest", *args, stdout=out)
    return out.getvalue()


def test_the_backtest_prints_each_category_and_the_overall_error(monkeypatch):
    history = {
        "installation": synthetic(6, scale=3, seed=1),
        "delivery": synthetic(6, scale=2, seed=2),
        "billing": np.zeros(20),
    }

    output = run_backtest(monkeypatch, history)

    lines = output.splitlines()
    assert lines[0].split() == ["category", "hours", "model", "MAE", "naive", "MAE"]
    assert lines[1].startswith("installation") and lines[2].startswith("delivery")
    assert "billing          too little history" in lines[3]
    overall = lines[4].split()
    assert overall[0] == "overall" and float(overall[1]) < float(overall[2])
    assert "lower than seasonal-naive" in lines[4]


def test_the_backtest_fails_when_seasonal_naive_wins(monkeypatch):
    # Nothing for five weeks, then the same day twice: last week is exactly this week.
    week = np.tile(np.array(DAY) * 10, 7)
    history = {"installation": np.concatenate([np.zeros(5 * 168), week, week])}

    with pytest.raises(CommandError, match="does not beat seasonal-naive"):
        run_backtest(monkeypatch, history)
    assert "overall" in run_backtest(monkeypatch, history, "--no-fail")
