"""Races on PostgreSQL with real threads: versions and approvals never double up."""

import threading

import pytest
from django.db import connection

from knowledge import services
from knowledge.models import ArticleVersion, KnowledgeRequest, RequestEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(*calls):
    """Run each call in its own thread, released together; return what each raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            call()
        except Exception as error:  # a refusal, or a lost race we must see
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _approved_correction(article, author, reviewer, body):
    request = services.request_create(actor=author, kind="correction", article=article, body=body)
    services.request_transition(request=request, actor=author, name="submit")
    services.request_transition(request=request, actor=reviewer, name="claim")
    services.request_transition(request=request, actor=reviewer, name="approve")
    return request


def test_concurrent_corrections_get_distinct_version_numbers(
    publish, officer, kb_member, kb_member2
):
    article = publish(title="Coupons", body="v1")
    first = _approved_correction(article, officer.user, kb_member2, "v2a")
    second = _approved_correction(article, officer.user, kb_member2, "v2b")

    outcomes = _race(
        lambda: services.request_transition(request=first, actor=kb_member, name="publish"),
        lambda: services.request_transition(request=second, actor=kb_member2, name="publish"),
    )

    assert outcomes == [None, None]
    numbers = sorted(
        ArticleVersion.objects.filter(article=article).values_list("number", flat=True)
    )
    assert numbers == [1, 2, 3]
    article.refresh_from_db()
    assert article.published_version.number == 3


def test_two_approvers_at_once_approve_a_sensitive_request_exactly_once(
    request_in, sensitive_category, kb_member, kb_member2
):
    request = request_in("in_review", category=sensitive_category)

    outcomes = _race(
        lambda: services.request_transition(request=request, actor=kb_member, name="approve"),
        lambda: services.request_transition(request=request, actor=kb_member2, name="approve"),
    )

    assert outcomes == [None, None]
    request.refresh_from_db()
    assert request.state == KnowledgeRequest.State.APPROVED
    assert request.approvals.count() == 2
    changes = RequestEvent.objects.filter(request=request, to_state="approved")
    assert changes.count() == 1


def test_one_approver_clicking_twice_counts_once(request_in, sensitive_category, kb_member):
    request = request_in("in_review", category=sensitive_category)

    outcomes = _race(
        lambda: services.request_transition(request=request, actor=kb_member, name="approve"),
        lambda: services.request_transition(request=request, actor=kb_member, name="approve"),
    )

    assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "RuleViolation"]
    request.refresh_from_db()
    assert request.state == KnowledgeRequest.State.IN_REVIEW
    assert request.approvals.count() == 1
