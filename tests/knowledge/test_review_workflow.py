"""The review state machine through the services: every transition, allowed and refused."""

import pytest

from core.errors import InvalidInput, NotPermitted, RuleViolation, TransitionNotAllowed
from knowledge import services
from knowledge.models import KnowledgeRequest, RequestEvent

ARGUMENTS = {"request_changes": {"comment": "Say which models."}, "reject": {"reason": "Dup."}}
# From each state, the transitions that fire and where they lead (for the right person).
ALLOWED = {
    "draft": {"submit": "submitted"},
    "changes_requested": {"submit": "submitted"},
    "submitted": {"claim": "in_review", "reject": "rejected"},
    "in_review": {
        "request_changes": "changes_requested",
        "approve": "approved",
        "reject": "rejected",
    },
    "approved": {"publish": "published"},
    "published": {},
    "rejected": {},
}


def _actor_for(name, officer, kb_member):
    return officer.user if name == "submit" else kb_member


@pytest.mark.parametrize(
    ("state", "name"), [(state, name) for state, allowed in ALLOWED.items() for name in allowed]
)
def test_allowed_transition_changes_state_and_writes_one_event(
    request_in, officer, kb_member, state, name
):
    request = request_in(state)

    services.request_transition(
        request=request, actor=_actor_for(name, officer, kb_member), name=name,
        **ARGUMENTS.get(name, {}),
    )  # fmt: skip

    request.refresh_from_db()
    assert request.state == ALLOWED[state][name]
    events = list(RequestEvent.objects.filter(request=request))
    assert [(e.kind, e.from_state, e.to_state) for e in events] == [
        (name, state, ALLOWED[state][name])
    ]


@pytest.mark.parametrize(
    ("state", "name"),
    [
        (state, name)
        for state, allowed in ALLOWED.items()
        for name in services.REQUEST_TRANSITIONS
        if name not in allowed
    ],
)
def test_refused_transition_is_a_conflict_and_changes_nothing(
    request_in, officer, kb_member, state, name
):
    request = request_in(state)

    with pytest.raises(TransitionNotAllowed) as refusal:
        services.request_transition(
            request=request, actor=_actor_for(name, officer, kb_member), name=name,
            **ARGUMENTS.get(name, {}),
        )  # fmt: skip

    request.refresh_from_db()
    assert request.state == state
    assert not RequestEvent.objects.filter(request=request).exists()
    assert "allowed" in refusal.value.as_dict()


@pytest.mark.parametrize(
    ("state", "name", "who"),
    [
        ("draft", "submit", "kb_member"),
        ("draft", "submit", "other_officer"),
        ("submitted", "claim", "supervisor"),
        ("submitted", "claim", "officer"),
        ("in_review", "request_changes", "supervisor"),
        ("in_review", "approve", "frontline"),
        ("in_review", "reject", "officer"),
        ("approved", "publish", "officer"),
        ("approved", "publish", "supervisor"),
    ],
)
def test_only_the_author_submits_and_only_the_knowledge_team_reviews(
    request, request_in, state, name, who
):
    knowledge_request = request_in(state)
    person = request.getfixturevalue(who)

    with pytest.raises(NotPermitted):
        services.request_transition(
            request=knowledge_request,
            actor=getattr(person, "user", person),
            name=name,
            **ARGUMENTS.get(name, {}),
        )

    knowledge_request.refresh_from_db()
    assert knowledge_request.state == state


def test_the_author_never_approves_its_own_request(request_in, kb_member):
    knowledge_request = request_in("in_review", author=kb_member)

    with pytest.raises(NotPermitted) as refusal:
        services.request_transition(request=knowledge_request, actor=kb_member, name="approve")

    assert refusal.value.code == "self_approval"
    knowledge_request.refresh_from_db()
    assert knowledge_request.state == "in_review"
    assert not knowledge_request.approvals.exists()


def test_the_author_is_not_offered_approve(request_in, kb_member, kb_member2):
    knowledge_request = request_in("in_review", author=kb_member)

    assert "approve" not in services.allowed_transitions(knowledge_request, kb_member)
    assert "approve" in services.allowed_transitions(knowledge_request, kb_member2)


def test_a_sensitive_category_needs_two_distinct_approvers(
    request_in, sensitive_category, kb_member, kb_member2
):
    knowledge_request = request_in("in_review", category=sensitive_category)

    services.request_transition(request=knowledge_request, actor=kb_member, name="approve")
    knowledge_request.refresh_from_db()
    assert knowledge_request.state == "in_review"

    services.request_transition(request=knowledge_request, actor=kb_member2, name="approve")
    knowledge_request.refresh_from_db()
    assert knowledge_request.state == "approved"
    assert [a.approver for a in knowledge_request.approvals.all()] == [kb_member, kb_member2]
    first, second = RequestEvent.objects.filter(request=knowledge_request)
    assert (first.kind, first.to_state, first.payload) == (
        "approve",
        None,
        {"approvals": 1, "needed": 2},
    )
    assert (second.from_state, second.to_state) == ("in_review", "approved")


def test_the_same_approver_cannot_count_twice(request_in, sensitive_category, kb_member):
    knowledge_request = request_in("in_review", category=sensitive_category)
    services.request_transition(request=knowledge_request, actor=kb_member, name="approve")

    with pytest.raises(RuleViolation) as refusal:
        services.request_transition(request=knowledge_request, actor=kb_member, name="approve")

    assert refusal.value.code == "already_approved"
    assert knowledge_request.approvals.count() == 1
    assert "approve" not in services.allowed_transitions(knowledge_request, kb_member)


def test_changes_requested_goes_back_to_the_author_who_edits_and_submits_again(
    request_in, officer, kb_member
):
    knowledge_request = request_in("in_review")
    services.request_transition(
        request=knowledge_request, actor=kb_member, name="request_changes", comment="Add models."
    )

    services.request_update(request=knowledge_request, actor=officer.user, body="Models A and B.")
    services.request_transition(request=knowledge_request, actor=officer.user, name="submit")

    knowledge_request.refresh_from_db()
    assert knowledge_request.state == "submitted"
    assert knowledge_request.body == "Models A and B."
    assert knowledge_request.review_comment == "Add models."


def test_the_knowledge_team_edits_in_review_and_earlier_approvals_are_cleared(
    request_in, sensitive_category, kb_member, kb_member2
):
    knowledge_request = request_in("in_review", category=sensitive_category)
    services.request_transition(request=knowledge_request, actor=kb_member, name="approve")

    services.request_update(request=knowledge_request, actor=kb_member2, title="Sharper title")

    assert not knowledge_request.approvals.exists()
    edited = RequestEvent.objects.filter(request=knowledge_request, kind="edited").get()
    assert edited.payload == {"fields": ["title"], "approvals_cleared": 1}


@pytest.mark.parametrize(
    ("state", "who"),
    [("draft", "kb_member"), ("in_review", "officer"), ("changes_requested", "other_officer")],
)
def test_editing_is_refused_to_the_wrong_person(request, request_in, state, who):
    knowledge_request = request_in(state)
    person = request.getfixturevalue(who)

    with pytest.raises(NotPermitted):
        services.request_update(
            request=knowledge_request, actor=getattr(person, "user", person), title="Mine now"
        )


@pytest.mark.parametrize("state", ["approved", "published", "rejected"])
def test_editing_after_approval_is_refused_by_a_rule(request_in, kb_member, state):
    knowledge_request = request_in(state)

    with pytest.raises(RuleViolation) as refusal:
        services.request_update(request=knowledge_request, actor=kb_member, title="Late edit")

    assert refusal.value.code == "not_editable"


def test_anyone_without_a_role_cannot_raise_a_request(nobody, category):
    with pytest.raises(NotPermitted):
        services.request_create(actor=nobody, kind="new", title="T", body="B", category=category)


def test_a_correction_must_name_a_published_article(officer, category):
    with pytest.raises(InvalidInput) as refusal:
        services.request_create(actor=officer.user, kind="correction", body="B", category=category)

    assert "article" in refusal.value.errors
    assert not KnowledgeRequest.objects.exists()


def test_a_new_answer_needs_title_body_and_category(officer):
    with pytest.raises(InvalidInput) as refusal:
        services.request_create(actor=officer.user, kind="new")

    assert set(refusal.value.errors) == {"title", "body", "category"}
