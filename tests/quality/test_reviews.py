"""100 % review of high-risk actions: every money-like grant, refund and contract change
waits for a supervisor's review, in ``GET /api/v1/qa/reviews/`` and on ``/approvals/``,
until a supervisor reviews it."""

import pytest

from compensation import services
from compensation.models import CompensationKind, Grant
from core import roles
from tests.compensation.factories import KindFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REVIEWS = "/api/v1/qa/reviews/"


@pytest.fixture
def refund(db):
    return KindFactory(code="refund", risk=CompensationKind.Risk.REFUND)


@pytest.fixture
def contract_change(db):
    return KindFactory(code="contract_change", risk=CompensationKind.Risk.CONTRACT_CHANGE)


@pytest.fixture
def high_risk(refund, contract_change, credit):
    return {"refund": refund, "contract_change": contract_change, "money_like": credit}


@pytest.mark.parametrize("risk", ["refund", "contract_change", "money_like"])
@pytest.mark.parametrize("amount", ["10.00", "150.00", "300.00"])  # small, within, above limit
def test_every_high_risk_grant_enters_the_review_whatever_its_amount(
    officer, case, grant, high_risk, risk, amount
):
    made = grant(officer.user, case, amount, kind=high_risk[risk])

    assert made.review == Grant.Review.PENDING
    assert risk in made.review_reasons


def test_an_ordinary_small_grant_needs_no_review(officer, case, grant):
    made = grant(officer.user, case, "20.00")

    assert made.review == Grant.Review.NOT_REQUIRED
    assert made.review_reasons == []


def test_each_high_risk_grant_is_listed_for_supervisors_with_its_reasons(
    api, supervisor, officer, case, grant, high_risk
):
    made = {risk: grant(officer.user, case, "30.00", kind=kind) for risk, kind in high_risk.items()}
    grant(officer.user, case, "20.00")  # an ordinary coupon: not listed

    response = api(supervisor).get(REVIEWS, {"state": "pending"})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [made[r].pk for r in high_risk]  # oldest first
    row = rows[0]
    assert row["case"] == case.pk and row["case_reference"] == case.reference
    assert (row["kind"], row["amount"], row["currency"]) == ("refund", "30.00", "CNY")
    assert row["reasons"] == ["refund"]
    assert row["review"] == "pending"
    assert row["requested_by"]["username"] == officer.user.username
    assert row["reviewed_by"] is None
    assert {"created_at", "state"} <= set(row)
    assert [r["reasons"] for r in rows] == [["refund"], ["contract_change"], ["money_like"]]


def test_a_review_moves_the_grant_from_pending_to_its_outcome(
    api, supervisor, officer, case, grant, high_risk
):
    fine = grant(officer.user, case, "30.00", kind=high_risk["refund"])
    doubtful = grant(officer.user, case, "40.00", kind=high_risk["contract_change"])
    client = api(supervisor)

    services.grant_review(grant=fine, actor=supervisor, outcome="approve")
    client.post(
        f"/api/v1/compensations/{doubtful.pk}/review/",
        {"outcome": "flag", "note": "Ask legal first."},
        format="json",
    )

    assert client.get(REVIEWS, {"state": "pending"}).json()["results"] == []
    [approved] = client.get(REVIEWS, {"state": "approved"}).json()["results"]
    [flagged] = client.get(REVIEWS, {"state": "flagged"}).json()["results"]
    assert approved["id"] == fine.pk and approved["reviewed_by"]["username"] == "supervisor"
    assert flagged["id"] == doubtful.pk and flagged["review_note"] == "Ask legal first."
    everything = client.get(REVIEWS).json()["results"]
    assert {row["id"] for row in everything} == {fine.pk, doubtful.pk}


def test_a_high_risk_grant_above_the_limit_waits_for_approval_and_review(
    api, supervisor, officer, case, grant, high_risk
):
    pending = grant(officer.user, case, "300.00", kind=high_risk["refund"])

    assert pending.state == "pending_approval"
    assert pending.review_reasons == ["refund", "above_share_of_cap"]
    rows = api(supervisor).get(REVIEWS).json()["results"]
    assert [row["id"] for row in rows] == [pending.pk]


def test_a_declined_grant_leaves_the_review_queue(api, supervisor, officer, case, grant, high_risk):
    pending = grant(officer.user, case, "300.00", kind=high_risk["contract_change"])
    approver = UserFactory(username="supervisor2", roles=[roles.SUPERVISORS])

    services.grant_decline(grant=pending, actor=approver, reason="Not for this case.")

    assert api(supervisor).get(REVIEWS, {"state": "pending"}).json()["results"] == []


def test_the_approvals_page_lists_each_high_risk_grant_with_a_readable_reason(
    client, supervisor, officer, case, grant, high_risk
):
    made = {risk: grant(officer.user, case, "30.00", kind=kind) for risk, kind in high_risk.items()}
    client.force_login(supervisor)

    page = client.get("/approvals/").content.decode()

    for risk, label in [
        ("refund", "refund"),
        ("contract_change", "contract change"),
        ("money_like", "money-like compensation"),
    ]:
        item = page.split(f'id="review-{made[risk].pk}"')[1].split("</li>")[0]
        assert f'data-review-reason="{risk}">{label}</span>' in item
    assert '<span class="count" data-count="reviews">3</span>' in page


def test_reviewing_on_the_approvals_page_takes_it_off_the_pending_list(
    api, client, supervisor, officer, case, grant, high_risk
):
    made = grant(officer.user, case, "30.00", kind=high_risk["refund"])
    client.force_login(supervisor)

    response = client.post(
        f"/approvals/grants/{made.pk}/review/", {"outcome": "approve"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert f'id="review-{made.pk}"' not in response.content.decode()
    made.refresh_from_db()
    assert made.review == Grant.Review.APPROVED and made.reviewed_by == supervisor
    assert api(supervisor).get(REVIEWS, {"state": "pending"}).json()["results"] == []
