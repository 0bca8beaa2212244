"""Two evaluations of the same event at once, on PostgreSQL with real threads: one award, one
ledger entry, one notice."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from escalation.models import Notification
from team import awards
from team.models import BadgeAward, PointsEntry
from tests.team.conftest import resolve


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_evaluations_of_one_resolution_award_once(officer, frontline, case_for):
    case = case_for(officer)
    resolve(case)  # committed; the at-once job also ran (eager) — start from nothing again
    PointsEntry.objects.all().delete()
    BadgeAward.objects.all().delete()
    Notification.objects.filter(kind="badge").delete()
    barrier = threading.Barrier(6)
    errors, created = [], []

    def evaluate():
        try:
            barrier.wait()
            created.extend(awards.evaluate_officers([officer.user_id]))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def catch_up():
        try:
            barrier.wait()
            created.extend(awards.catch_up())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=evaluate) for _ in range(4)]
    threads += [threading.Thread(target=catch_up) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(created) == 1
    assert BadgeAward.objects.filter(badge__code="p1_within_sla").count() == 1
    assert PointsEntry.objects.count() == 1
    assert Notification.objects.filter(kind="badge", recipient=officer.user).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_praise_recorded_twice_at_once_gives_one_badge(officer, frontline, case_for):
    from escalation import services

    case = case_for(officer, priority="P3")
    barrier = threading.Barrier(2)
    errors = []

    def praise(n):
        try:
            barrier.wait()
            services.case_record_praise(case=case, actor=frontline, note=f"Thanks {n}")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def catch_up():
        try:
            awards.catch_up()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=praise, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert case.events.filter(kind="praise").count() == 2  # both recorded
    # Whether each thread's at-once job ran here or went to the broker, the catch-up, run
    # twice at once as two workers might, must leave one badge.
    catch_ups = [threading.Thread(target=catch_up) for _ in range(2)]
    for thread in catch_ups:
        thread.start()
    for thread in catch_ups:
        thread.join()
    assert errors == []
    assert BadgeAward.objects.filter(badge__code="praise").count() == 1  # one badge
    assert PointsEntry.objects.filter(rule="praise").count() == 1
