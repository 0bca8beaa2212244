"""The project itself: production settings, demo data, pages a person opens first."""

import logging
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from casehub.celery import app
from casehub.demo.seeding import escalation as escalation_demo
from casehub.demo.seeding import peak as peak_demo
from escalation import services
from escalation.models import Case, CaseEvent, Department, SlaClock

ROOT = Path(__file__).resolve().parent.parent


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 30 + "-production-secret-key-with-enough-entropy-9f8e7d",
        "ALLOWED_HOSTS": "casehub.example.com",
        "CASEHUB_VAR_DIR": str(tmp_path),
    }
    env.pop("HTTPS", None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_seed_demo_creates_the_accounts_and_is_idempotent(settings):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)

    users = get_user_model().objects
    expected = {
        "admin",
        "officer1",
        "officer2",
        "officer3",
        "supervisor",
        "kb1",
        "kb2",
        "frontline",
        "casehub",  # the system account that raised the demo surge's knowledge request
    } | {
        f"{code}_{kind}"
        for code in ("tech", "logistics", "supply_chain", "after_sales", "finance")
        for kind in ("member", "lead")
    }
    floor = {f"officer{number}" for number in range(4, 25)}
    floor |= {"pool_logistics", "pool_after_sales", "bot_platform"}  # shared pool, chatbot
    assert set(users.values_list("username", flat=True)) == expected | floor
    assert users.get(username="admin").is_superuser
    assert users.get(username="officer3").officer_profile.level == 3
    assert users.get(username="frontline").check_password("casehub-demo")
    assert Department.objects.count() == 6  # and the chatbot platform's, bot
    assert users.get(username="pool_logistics").officer_profile.pool
    # About 200 in mixed states and one left to breach, the wave, five weeks of history.
    history = escalation_demo.DEMO_HISTORY_WEEKS * 7 * escalation_demo.DEMO_HISTORY_PER_DAY
    assert Case.objects.count() == 201 + peak_demo.WAVE_SIZE + history
    assert len(set(Case.objects.values_list("state", flat=True))) >= 6
    # The history has the daily and weekly shape and the promotion the forecast must handle.
    out = StringIO()
    call_command("forecast_backtest", stdout=out)  # raises if seasonal-naive wins
    assert "lower than seasonal-naive" in out.getvalue()


@pytest.mark.django_db
def test_the_demo_floor_has_room_so_intake_assigns(settings):
    demo = 201 + escalation_demo.DEMO_HISTORY_WEEKS * 7 * escalation_demo.DEMO_HISTORY_PER_DAY
    call_command("seed_demo", "--history", str(demo + 200), verbosity=0)
    frontline = get_user_model().objects.get(username="frontline")

    case, _ = services.case_intake(
        actor=frontline,
        title="Repair visit missed",
        channel="phone",
        category="repair",
        customer={"external_id": "NEW-1", "name": "Li", "tier": "vip"},
    )

    assert case.state == "assigned" and case.officer.level >= 2
    assert Case.objects.count() == demo + 201  # history tops up to demo + 200, then intake
    history = Case.objects.filter(reference__startswith="ESC-H")
    assert history.filter(state="closed").count() > history.count() * 0.8
    assert CaseEvent.objects.filter(case__in=history).count() >= 3 * history.count()
    assert SlaClock.objects.filter(case__in=history).count() == 2 * history.count()


@pytest.mark.django_db
def test_login_page_and_workbench(client, officer):
    assert client.get("/").status_code == 302
    assert client.get("/accounts/login/").status_code == 200

    client.force_login(officer.user)
    response = client.get("/", follow=True)

    assert response.redirect_chain == [("/workbench/", 302)]
    assert b"Workbench" in response.content


@pytest.mark.django_db
def test_health_check(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_the_embedded_broker_keeps_every_folder_under_var(tmp_path):
    """A worker's control mailbox (what ``celery inspect`` talks to) writes no folder in cwd."""
    var, cwd = tmp_path / "var", tmp_path / "cwd"
    cwd.mkdir()
    env = {**os.environ, "CASEHUB_VAR_DIR": str(var), "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'casehub.settings'; "
        "django.setup(); from casehub.celery import app; "
        "conn = app.connection_for_write(); "
        "app.control.mailbox(conn).Node('probe@localhost', channel=conn.default_channel)"
        ".listen().cancel(); conn.release()"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert list(cwd.iterdir()) == []
    assert (var / "broker" / "control" / "celery.pidbox.exchange").exists()


def test_the_broker_url_names_a_host_so_kombu_does_not_warn(caplog):
    with caplog.at_level(logging.WARNING, logger="kombu"):
        app.connection_for_write().clone().as_uri()

    assert "No hostname was supplied" not in caplog.text


def test_the_benchmark_command_lists_every_area():
    """Each area's module imports (a benchmark no test runs must still load)."""
    with pytest.raises(CommandError) as listing:
        call_command("benchmark")

    for area in ("intake", "list", "sla", "pages", "compensation", "knowledge"):
        assert f"  {area}: " in str(listing.value)
