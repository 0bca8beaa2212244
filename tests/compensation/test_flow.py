"""The grant state machine through the services: approve, decline, issue, revoke, review."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from compensation import caps, services
from compensation.errors import CapExceeded
from compensation.models import BudgetCounter, LedgerEntry
from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from escalation.models import CaseEvent
from tests.factories import UserFactory


@pytest.fixture
def second_supervisor(db):
    return UserFactory(username="supervisor2", roles=["supervisors"])


def _budget_use(grant) -> dict[str, Decimal]:
    counters = caps.lock_budgets(caps.budgets_of_grant(grant))
    return {cap: BudgetCounter.objects.get(pk=c.pk).used for cap, c in counters.items()}


def test_supervisor_approves_pending_grant_and_it_is_issued(
    case, officer, supervisor, grant, django_capture_on_commit_callbacks
):
    pending = grant(officer.user, case, "300.00")

    with django_capture_on_commit_callbacks(execute=True):
        approved = services.grant_transition(grant=pending, actor=supervisor, name="approve")

    assert approved.state == "approved"
    assert approved.decided_by == supervisor
    approved.refresh_from_db()
    assert approved.state == "issued"


def test_requester_can_never_approve_its_own_grant(
    case, supervisor, grant, policies, second_supervisor
):
    policies["supervisor"].per_grant_limit = Decimal("100")  # make the supervisor's grant wait
    policies["supervisor"].save()
    own = grant(supervisor, case, "150.00")
    assert own.state == "pending_approval"

    with pytest.raises(NotPermitted) as excinfo:
        services.grant_transition(grant=own, actor=supervisor, name="approve")

    assert excinfo.value.code == "self_approval"
    assert services.allowed_transitions(own, supervisor) == []
    assert services.allowed_transitions(own, second_supervisor) == ["approve", "decline"]


def test_officer_may_not_approve_a_pending_grant(case, officer, grant, other_officer):
    pending = grant(officer.user, case, "300.00")

    with pytest.raises(NotPermitted):
        services.grant_transition(grant=pending, actor=other_officer.user, name="approve")


def test_approval_above_the_supervisors_limit_is_refused(case, officer, supervisor, grant):
    pending = grant(officer.user, case, "300.00")
    supervisor_policy = type(pending.policy).objects.get(role="supervisor")
    supervisor_policy.per_grant_limit = Decimal("250")
    supervisor_policy.save()

    with pytest.raises(CapExceeded) as excinfo:
        services.grant_transition(grant=pending, actor=supervisor, name="approve")

    assert excinfo.value.as_dict()["cap"] == "approver_limit"


def test_declining_gives_the_reserved_amount_back(case, officer, supervisor, grant):
    pending = grant(officer.user, case, "300.00")

    declined = services.grant_transition(
        grant=pending, actor=supervisor, name="decline", reason="Not justified."
    )

    assert declined.state == "declined"
    assert declined.decision_reason == "Not justified."
    assert set(_budget_use(declined).values()) == {Decimal("0")}


def test_revoking_gives_the_amount_back_to_every_budget(
    case, officer, supervisor, grant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issued = grant(officer.user, case, "200.00")
    issued.refresh_from_db()
    assert set(_budget_use(issued).values()) == {Decimal("200.00")}

    revoked = services.grant_transition(
        grant=issued, actor=supervisor, name="revoke", reason="Sent twice."
    )

    assert revoked.state == "revoked"
    assert set(_budget_use(revoked).values()) == {Decimal("0")}
    assert list(revoked.ledger.values_list("kind", "delta")) == [
        ("reserve", Decimal("200.00")),
        ("approve", Decimal("0")),
        ("issue", Decimal("0")),
        ("revoke", Decimal("-200.00")),
    ]


def test_only_an_issued_grant_can_be_revoked(case, officer, supervisor, grant):
    pending = grant(officer.user, case, "300.00")

    with pytest.raises(TransitionNotAllowed) as excinfo:
        services.grant_transition(grant=pending, actor=supervisor, name="revoke", reason="x")

    assert excinfo.value.as_dict()["allowed"] == ["approve", "decline"]


def test_issuing_twice_issues_once(case, officer, grant):
    approved = grant(officer.user, case, "50.00")

    first = services.grant_issue(grant_id=approved.pk)
    second = services.grant_issue(grant_id=approved.pk)

    assert first.state == "issued" and second is None
    assert LedgerEntry.objects.filter(grant=approved, kind="issue").count() == 1


def test_every_step_writes_exactly_one_case_event(
    case, officer, supervisor, grant, django_capture_on_commit_callbacks
):
    pending = grant(officer.user, case, "300.00")
    with django_capture_on_commit_callbacks(execute=True):
        services.grant_transition(grant=pending, actor=supervisor, name="approve")
    services.grant_transition(grant=pending, actor=supervisor, name="revoke", reason="Oops.")

    events = list(CaseEvent.objects.filter(case=case).values_list("kind", "payload__state"))
    assert events == [
        ("compensation_pending_approval", "pending_approval"),
        ("compensation_approved", "approved"),
        ("compensation_issued", "issued"),
        ("compensation_revoked", "revoked"),
    ]


def test_every_step_publishes_one_live_event_after_commit(
    case, officer, supervisor, grant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        grant(officer.user, case, "300.00")

    # the case.updated event, the approval notification for the supervisor, and the
    # approvals.changed that refreshes the supervisors' counts (besides the metrics' count)
    live = [c for c in callbacks if "count_transition" not in c.__qualname__]
    assert len(live) == 3


def test_money_like_and_near_cap_grants_go_to_review(case, officer, credit, grant):
    small_coupon = grant(officer.user, case, "20.00")
    near_cap = grant(officer.user, case, "170.00")
    small_credit = grant(officer.user, case, "5.00", kind=credit)

    assert small_coupon.review == "not_required"
    assert near_cap.review_reasons == ["above_share_of_cap"]
    assert small_credit.review_reasons == ["money_like"]


def test_supervisor_reviews_a_grant_once(case, officer, supervisor, credit, grant):
    flagged = grant(officer.user, case, "5.00", kind=credit)

    reviewed = services.grant_review(grant=flagged, actor=supervisor, outcome="flag", note="Why?")

    assert (reviewed.review, reviewed.reviewed_by) == ("flagged", supervisor)
    with pytest.raises(TransitionNotAllowed):
        services.grant_review(grant=flagged, actor=supervisor, outcome="approve")


def test_officer_may_not_grant_on_someone_elses_case(case, other_officer, grant):
    with pytest.raises(NotPermitted):
        grant(other_officer.user, case, "10.00")


@pytest.mark.parametrize(
    ("amount", "currency", "field"),
    [
        (Decimal("0"), "CNY", "amount"),
        (Decimal("-5"), "CNY", "amount"),
        (Decimal("1.005"), "CNY", "amount"),
        (Decimal("NaN"), "CNY", "amount"),
        (Decimal("10"), "USD", "currency"),
    ],
)
def test_service_refuses_bad_money(case, officer, coupon, amount, currency, field):
    with pytest.raises(InvalidInput) as excinfo:
        services.grant_request(
            actor=officer.user, case=case, kind=coupon, amount=amount, currency=currency, reason="x"
        )

    assert list(excinfo.value.errors) == [field]


def test_kind_issuer_must_be_an_allowed_function(coupon):
    coupon.issuer = "os.system"
    with pytest.raises(ValidationError) as excinfo:
        coupon.full_clean()
    assert "issuer" in excinfo.value.message_dict

    coupon.issuer = "compensation.issuers.no_such_function"
    with pytest.raises(ValidationError):
        coupon.full_clean()


def test_policy_ceiling_may_not_be_below_its_limit_per_grant(policies):
    policy = policies["level_2"]
    policy.approval_ceiling = Decimal("100")

    with pytest.raises(ValidationError) as excinfo:
        policy.full_clean()

    assert "approval_ceiling" in excinfo.value.message_dict


def test_a_grant_request_takes_a_fixed_number_of_queries(
    case, officer, grant, django_assert_num_queries
):
    grant(officer.user, case, "10.00")  # the budget counters exist from now on

    # savepoint, policy, counters, customer window, grant, counters, 2 ledger, case event,
    # release; on PostgreSQL one advisory lock per budget besides
    locks = 4 if connection.vendor == "postgresql" else 0
    with django_assert_num_queries(10 + locks):
        grant(officer.user, case, "10.00")


def test_sweep_issues_approved_grants_whose_issuing_was_lost(case, officer, grant):
    from datetime import timedelta

    from django.utils import timezone

    from compensation.jobs import issue_overdue_grants
    from compensation.models import Grant

    lost = grant(officer.user, case, "20.00")  # its on-commit issuing never runs here
    fresh = grant(officer.user, case, "20.00")
    Grant.objects.filter(pk=lost.pk).update(decided_at=timezone.now() - timedelta(minutes=5))

    assert issue_overdue_grants() == 1

    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.state, fresh.state) == ("issued", "approved")
