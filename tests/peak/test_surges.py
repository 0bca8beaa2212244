"""Surges: 15-minute windows against the same hour of the week, thresholds, what opening one
does, closing, the API, and opening exactly once under concurrent checkers and intake."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core import live, roles
from escalation.models import Case, Notification
from knowledge.models import KnowledgeRequest, RequestEvent
from peak import surges
from peak.models import Surge, SurgeEvent, SurgeThreshold
from tests.factories import CaseFactory, UserFactory

# A Wednesday, 10:07 in the product's time zone: windows and hours do not straddle a day.
NOW = timezone.make_aware(timezone.datetime(2026, 7, 15, 10, 7))


def arrive(n, *, at, category="installation", intent="install_delay", title=None):
    """``n`` cases opened at ``at`` (intake stamps ``created_at``; the test moves it)."""
    made = [
        CaseFactory(
            category=category,
            title=title or f"Installer did not come ({i})",
            context={"intent": intent} if intent is not None else {},
        )
        for i in range(n)
    ]
    Case.objects.filter(pk__in=[case.pk for case in made]).update(created_at=at)
    return made


@pytest.fixture
def watchers(db):
    """A supervisor and two of the knowledge team, who hear of every surge."""
    return [
        UserFactory(username="sup", roles=[roles.SUPERVISORS]),
        UserFactory(username="kb_a", roles=[roles.KNOWLEDGE_TEAM]),
        UserFactory(username="kb_b", roles=[roles.KNOWLEDGE_TEAM]),
    ]


@pytest.fixture
def sent(monkeypatch):
    """Live messages sent after commit, as (groups, message)."""
    messages = []
    monkeypatch.setattr(live, "send_many", lambda batch: messages.extend(batch))
    return messages


# --- windows and baselines ---


@pytest.mark.django_db
def test_the_window_is_the_last_15_minutes_per_category_and_intent():
    arrive(3, at=NOW - timedelta(minutes=14))
    arrive(2, at=NOW - timedelta(minutes=16))  # before the window
    arrive(4, at=NOW - timedelta(minutes=1), intent="refund_late")
    arrive(1, at=NOW - timedelta(minutes=2), category="repair")
    arrive(5, at=NOW - timedelta(minutes=3), intent=None)  # no intent sent

    counts = surges.window_counts(NOW)

    assert counts == {
        ("installation", "install_delay"): 3,
        ("installation", "refund_late"): 4,
        ("repair", "install_delay"): 1,
        ("installation", ""): 5,
    }


@pytest.mark.django_db
def test_the_baseline_is_the_same_hour_of_the_week_over_four_weeks():
    hour = NOW.replace(minute=0)
    for week in range(1, 5):
        arrive(8, at=hour - timedelta(weeks=week) + timedelta(minutes=40))
    arrive(50, at=hour - timedelta(weeks=1) + timedelta(hours=1))  # the next hour
    arrive(50, at=hour - timedelta(days=1))  # yesterday, same hour: not the same weekday
    arrive(50, at=hour - timedelta(weeks=5))  # older than four weeks

    key = ("installation", "install_delay")
    # 32 contacts over 4 weeks of four 15-minute windows each.
    assert surges.baselines(NOW, {key}) == {key: 2.0}


@pytest.mark.django_db
def test_a_baseline_counts_only_the_weeks_that_had_intake_then():
    hour = NOW.replace(minute=0)
    arrive(8, at=hour - timedelta(weeks=1))
    arrive(3, at=hour - timedelta(weeks=2), category="repair")  # the centre was open
    key = ("installation", "install_delay")

    assert surges.baselines(NOW, {key}) == {key: 1.0}  # 8 over 2 weeks × 4 windows


@pytest.mark.django_db
def test_a_missing_baseline_counts_as_one():
    arrive(20, at=NOW - timedelta(minutes=5))
    [reading] = surges.readings(NOW, set())
    assert (reading.baseline, reading.base, reading.ratio) == (0.0, 1.0, 20.0)


# --- thresholds ---


@pytest.mark.django_db
def test_the_demo_thresholds_are_in_the_admin():
    default = SurgeThreshold.objects.get(category="")
    assert (default.min_count, default.ratio) == (20, 3.0)


@pytest.mark.django_db
def test_nineteen_contacts_open_nothing_and_twenty_open_a_surge(watchers, sent):
    arrive(19, at=NOW - timedelta(minutes=5))
    assert surges.check(NOW).opened == []
    arrive(1, at=NOW - timedelta(minutes=1))

    [surge] = surges.check(NOW).opened

    assert (surge.category, surge.intent, surge.state) == ("installation", "install_delay", "open")
    assert (surge.count, surge.baseline, surge.ratio, surge.threshold) == (20, 0.0, 20.0, 20.0)


@pytest.mark.django_db
def test_a_count_under_the_ratio_of_its_baseline_is_no_surge(watchers, sent):
    hour = NOW.replace(minute=0)
    for week in range(1, 5):
        arrive(40, at=hour - timedelta(weeks=week))  # usually 10 in 15 minutes
    arrive(29, at=NOW - timedelta(minutes=5))  # 2.9×

    assert surges.check(NOW).opened == []
    arrive(1, at=NOW - timedelta(minutes=1))  # 3×
    [surge] = surges.check(NOW).opened
    assert (surge.baseline, surge.ratio, surge.threshold) == (10.0, 3.0, 30.0)


@pytest.mark.django_db
def test_a_category_may_have_thresholds_of_its_own(watchers, sent):
    SurgeThreshold.objects.create(category="refund", min_count=5, ratio=2)
    arrive(5, at=NOW - timedelta(minutes=5), category="refund", intent="refund_late")
    arrive(5, at=NOW - timedelta(minutes=5), category="repair", intent="broken")

    [surge] = surges.check(NOW).opened

    assert surge.category == "refund"


# --- what opening does ---


@pytest.mark.django_db
def test_opening_drafts_an_urgent_request_pins_the_answers_and_alerts(
    watchers, sent, publish, officer, django_capture_on_commit_callbacks
):
    tagged = publish(title="Late installers", body="Call the depot.", tags=["install_delay"])
    other = publish(title="Returns", body="Within 7 days.", tags=["returns"])
    arrive(14, at=NOW - timedelta(minutes=5), title="安装师傅没来")
    arrive(7, at=NOW - timedelta(minutes=2), title="Installer late")

    with django_capture_on_commit_callbacks(execute=True):
        [surge] = surges.check(NOW).opened

    request = surge.knowledge_request
    assert (request.kind, request.urgency, request.state) == ("new", "high", "submitted")
    assert request.category.code == "installation" and request.tags == ["install_delay"]
    assert "安装师傅没来 (14)" in request.body and "Installer late (7)" in request.body
    assert request.body.index("安装师傅没来") < request.body.index("Installer late")
    assert list(RequestEvent.objects.filter(request=request).values_list("kind", flat=True)) == [
        "created"
    ]
    assert KnowledgeRequest.objects.filter(urgency="high").count() == 1
    tagged.refresh_from_db()
    other.refresh_from_db()
    assert tagged.hot and tagged.hot_until == NOW + timedelta(hours=72)
    assert not other.hot
    alerted = Notification.objects.filter(kind="surge")
    assert sorted(n.recipient.username for n in alerted) == [
        "kb",
        "kb2",
        "kb_a",
        "kb_b",
        "sup",
        "supervisor",
    ]
    assert officer.user.notifications.filter(kind="surge").count() == 0
    opened = [m for groups, m in sent if isinstance(m, dict) and m.get("type") == "surge.opened"]
    assert len(opened) == 1 and opened[0]["id"] == surge.pk
    assert surge.top_titles[0] == {"title": "安装师傅没来", "cases": 14}


@pytest.mark.django_db
def test_a_surge_opens_once_and_follows_its_highest_count(watchers, sent):
    arrive(20, at=NOW - timedelta(minutes=10))
    surges.check(NOW)
    arrive(15, at=NOW - timedelta(minutes=1))

    outcome = surges.check(NOW)

    assert outcome.opened == [] and outcome.updated == 1
    surge = Surge.objects.get()
    assert (surge.count, surge.ratio) == (35, 35.0)
    assert list(surge.events.values_list("kind", flat=True)) == ["opened"]
    assert KnowledgeRequest.objects.count() == 1
    assert Notification.objects.filter(kind="surge").count() == 3


@pytest.mark.django_db
def test_a_surge_closes_under_half_its_level_and_a_new_wave_opens_another(
    watchers, sent, django_capture_on_commit_callbacks
):
    arrive(24, at=NOW - timedelta(minutes=10))
    [first] = surges.check(NOW).opened  # level 20: closes under 10

    later = NOW + timedelta(minutes=10)
    arrive(10, at=later - timedelta(minutes=3))
    assert surges.check(later).closed == []  # 10 is not under half

    still_later = NOW + timedelta(minutes=20)
    arrive(0, at=still_later)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = surges.check(still_later + timedelta(minutes=5))  # 10 left the window too

    assert outcome.closed == [first]
    first.refresh_from_db()
    assert first.state == "closed" and first.closed_at is not None
    assert list(first.events.values_list("kind", "to_state")) == [
        ("opened", "open"),
        ("closed", "closed"),
    ]
    assert any(m.get("type") == "surge.closed" for _groups, m in sent if isinstance(m, dict))

    wave = NOW + timedelta(hours=2)
    arrive(25, at=wave - timedelta(minutes=2))
    [second] = surges.check(wave).opened
    assert second.pk != first.pk and Surge.objects.filter(state="open").count() == 1


@pytest.mark.django_db
def test_surge_events_are_append_only(watchers, sent):
    arrive(20, at=NOW - timedelta(minutes=1))
    surges.check(NOW)
    event = SurgeEvent.objects.get()
    with pytest.raises(Exception, match="append-only"):
        event.delete()


# --- the API ---


@pytest.mark.django_db
def test_the_api_lists_surges_to_supervisors_and_the_knowledge_team(watchers, sent, api, officer):
    arrive(20, at=NOW - timedelta(minutes=1))
    [surge] = surges.check(NOW).opened
    supervisor, kb, _ = watchers

    for person in (supervisor, kb):
        body = api(person).get("/api/v1/surges/?state=open").json()
        assert body["count"] == 1
        assert body["results"][0] == {
            "id": surge.pk,
            "category": "installation",
            "intent": "install_delay",
            "state": "open",
            "opened_at": body["results"][0]["opened_at"],
            "closed_at": None,
            "count": 20,
            "baseline": 0.0,
            "ratio": 20.0,
            "knowledge_request": surge.knowledge_request_id,
        }
    assert api(supervisor).get("/api/v1/surges/?state=closed").json()["count"] == 0
    assert api(officer.user).get("/api/v1/surges/").status_code == 403
    assert api(None).get("/api/v1/surges/").status_code in (401, 403)
    bad = api(supervisor).get("/api/v1/surges/?state=maybe")
    assert bad.status_code == 400 and "state" in bad.json()


# --- exactly once, on PostgreSQL with real threads ---


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_several_checkers_with_concurrent_intake_open_one_surge(watchers, sent, frontline):
    from escalation.services import case_intake

    now = timezone.now()
    arrive(25, at=now - timedelta(minutes=3))
    barrier = threading.Barrier(8)
    errors = []

    def checker():
        try:
            barrier.wait()
            for _ in range(3):
                surges.check()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def intake(n):
        try:
            barrier.wait()
            for i in range(5):
                case_intake(
                    actor=frontline,
                    title=f"Installer late {n}-{i}",
                    channel="phone",
                    category="installation",
                    customer={"external_id": f"C-{n}-{i}", "name": "客户", "tier": "standard"},
                    context={"intent": "install_delay"},
                )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=checker) for _ in range(4)]
    threads += [threading.Thread(target=intake, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    surge = Surge.objects.get()
    assert surge.count >= 25
    assert SurgeEvent.objects.filter(kind="opened").count() == 1
    assert KnowledgeRequest.objects.filter(urgency="high").count() == 1
    assert Notification.objects.filter(kind="surge").count() == len(watchers)
    assert Case.objects.count() == 45
