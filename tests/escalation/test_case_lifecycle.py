"""The case state machine, fired through the services: every transition, allowed and refused."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import NotPermitted, RuleViolation, TransitionNotAllowed
from escalation import services
from escalation.models import Case, CaseEvent

ALLOWED = {
    "new": {"assign": "assigned", "cancel": "cancelled"},
    "assigned": {"assign": "assigned", "start": "investigating", "cancel": "cancelled"},
    "investigating": {
        "wait_for_customer": "awaiting_customer",
        "resolve": "resolved",
        "cancel": "cancelled",
    },
    "awaiting_departments": {"cancel": "cancelled"},
    "awaiting_customer": {"customer_replied": "investigating", "cancel": "cancelled"},
    "resolved": {"close": "closed", "reopen": "reopened"},
    "closed": {"reopen": "reopened"},
    "reopened": {"assign": "assigned", "start": "investigating", "cancel": "cancelled"},
    "cancelled": {},
}
ARGUMENTS = {
    "resolve": {"resolution": "Replaced the compressor."},
    "reopen": {"reason": "It broke again."},
    "cancel": {"reason": "Opened by mistake."},
}


def _make(case_in, state):
    extra = {"resolved_at": timezone.now()} if state in ("resolved", "closed") else {}
    return case_in(state, **extra)


def _fire(case, actor, name, officer):
    arguments = {"officer": officer} if name == "assign" else ARGUMENTS.get(name, {})
    return services.case_transition(case=case, actor=actor, name=name, **arguments)


@pytest.mark.parametrize(
    ("state", "name"),
    [(state, name) for state, allowed in ALLOWED.items() for name in allowed],
)
def test_allowed_transition_changes_state_and_writes_one_event(
    case_in, supervisor, officer, state, name
):
    case = _make(case_in, state)

    event = _fire(case, supervisor, name, officer)

    case.refresh_from_db()
    assert case.state == ALLOWED[state][name]
    assert list(case.events.values_list("pk", flat=True)) == [event.pk]
    assert event.kind == name
    assert event.actor == supervisor
    if state == case.state:  # reassigning keeps the state: the event says so
        assert (event.from_state, event.to_state) == (None, None)
    else:
        assert (event.from_state, event.to_state) == (state, case.state)


@pytest.mark.parametrize(
    ("state", "name"),
    [
        (state, name)
        for state in ALLOWED
        for name in services.CASE_TRANSITIONS
        if name not in ALLOWED[state] and name != "extend_deadline"
    ],
)
def test_refused_transition_leaves_case_and_trail_untouched(
    case_in, supervisor, officer, state, name
):
    case = _make(case_in, state)

    with pytest.raises(TransitionNotAllowed) as refused:
        _fire(case, supervisor, name, officer)

    case.refresh_from_db()
    assert case.state == state
    assert not case.events.exists()
    assert set(refused.value.fields["allowed"]) - {"extend_deadline"} == set(ALLOWED[state])


def test_resolve_records_the_resolution_and_time(case_in, officer):
    case = case_in("investigating")

    services.case_transition(case=case, actor=officer.user, name="resolve", resolution="Fixed.")

    case.refresh_from_db()
    assert case.resolution == "Fixed."
    assert case.resolved_at is not None


def test_reopen_after_the_window_is_refused_by_the_rule(case_in, officer, settings):
    settings.CASEHUB_REOPEN_WINDOW_DAYS = 14
    case = case_in("closed", resolved_at=timezone.now() - timedelta(days=15))

    with pytest.raises(RuleViolation) as refused:
        services.case_transition(case=case, actor=officer.user, name="reopen", reason="Again")

    assert refused.value.code == "reopen_window_expired"
    assert not case.events.exists()


def test_reopen_within_the_window_is_allowed(case_in, officer):
    case = case_in("closed", resolved_at=timezone.now() - timedelta(days=3))

    services.case_transition(case=case, actor=officer.user, name="reopen", reason="Again")

    case.refresh_from_db()
    assert case.state == "reopened"
    assert case.closed_at is None


def test_officer_fires_transitions_on_own_case(case_in, officer):
    case = case_in("assigned")

    services.case_transition(case=case, actor=officer.user, name="start")

    case.refresh_from_db()
    assert case.state == "investigating"


@pytest.mark.parametrize("who", ["other_officer", "frontline", "kb_member", "department_member"])
def test_only_the_case_officer_or_a_supervisor_may_fire(case_in, request, who):
    actor = request.getfixturevalue(who)
    actor = getattr(actor, "user", actor)
    case = case_in("assigned")

    with pytest.raises(NotPermitted):
        services.case_transition(case=case, actor=actor, name="start")

    assert not case.events.exists()


def test_officer_takes_an_unassigned_case_for_itself(case_in, officer):
    case = case_in("new")

    services.case_assign(case=case, actor=officer.user, officer=officer)

    case.refresh_from_db()
    assert (case.state, case.officer) == ("assigned", officer)


def test_officer_cannot_hand_a_case_to_another_officer(case_in, officer, other_officer):
    case = case_in("new")

    with pytest.raises(NotPermitted):
        services.case_assign(case=case, actor=officer.user, officer=other_officer)


def test_supervisor_reassigns_to_any_officer(case_in, supervisor, other_officer):
    case = case_in("assigned")

    event = services.case_assign(case=case, actor=supervisor, officer=other_officer)

    case.refresh_from_db()
    assert case.officer == other_officer
    assert event.payload == {"officer": "other_officer", "automatic": False}


def test_internal_transitions_cannot_be_fired_by_name(case_in, supervisor):
    case = case_in("investigating")

    with pytest.raises(TransitionNotAllowed):
        services.case_transition(case=case, actor=supervisor, name="open_task_group")


def test_state_cannot_be_written_directly(case_in):
    case = case_in("new")

    with pytest.raises(AttributeError):
        case.state = "closed"


def test_case_events_are_immutable(case_in, supervisor):
    case = case_in("assigned")
    event = services.case_transition(case=case, actor=supervisor, name="start")

    event.kind = "tampered"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    assert CaseEvent.objects.get(pk=event.pk).kind == "start"


def test_a_full_journey_writes_one_event_per_state_change(case_in, officer):
    case = case_in("assigned")
    user = officer.user
    for name, arguments in [
        ("start", {}),
        ("wait_for_customer", {"note": "Asked for a photo"}),
        ("customer_replied", {}),
        ("resolve", {"resolution": "Done"}),
        ("close", {}),
    ]:
        services.case_transition(case=case, actor=user, name=name, **arguments)

    trail = list(case.events.values_list("from_state", "to_state"))
    assert trail == [
        ("assigned", "investigating"),
        ("investigating", "awaiting_customer"),
        ("awaiting_customer", "investigating"),
        ("investigating", "resolved"),
        ("resolved", "closed"),
    ]
    assert Case.objects.get(pk=case.pk).state == "closed"
