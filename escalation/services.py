"""Writes with side effects for cases: intake, assignment and every lifecycle transition.

Each function runs in one transaction: lock the case, fire the transition, save, write
exactly one CaseEvent per state change and send the live event after commit. The API, the
web UI, the admin and Celery all come through here.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import metrics, roles
from core.db import Inserts, insert_sql, mark_saved
from core.errors import (
    ErrorCode,
    InvalidInput,
    NotPermitted,
    RuleViolation,
    TransitionNotAllowed,
)
from core.transitions import Machine
from escalation import floor, live, selectors
from escalation.models import (
    OPEN_STATES,
    Availability,
    Case,
    CaseEvent,
    CaseState,
    Category,
    Customer,
    EscalationOfficer,
    EscalationRule,
)
from escalation.signals import case_events_recorded
from escalation.sla import clocks, policies, sweep
from quality import checks as quality_checks

#: Transitions people fire through the uniform endpoint, with the fields each requires.
CASE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "assign": ("officer",),
    "start": (),
    "wait_for_customer": (),
    "customer_replied": (),
    "resolve": ("resolution",),
    "close": (),
    "reopen": ("reason",),
    "cancel": ("reason",),
    "extend_deadline": ("clock", "until", "reason"),
}
#: Everything each transition accepts (required and optional).
CASE_TRANSITION_ARGUMENTS: dict[str, tuple[str, ...]] = {
    **CASE_TRANSITIONS,
    "wait_for_customer": ("note",),
    "customer_replied": ("note",),
}


def record_event(
    *,
    case: Case,
    kind: str,
    actor=None,
    from_state: str | None = None,
    to_state: str | None = None,
    payload: dict[str, Any] | None = None,
    extra_groups: list[str] | None = None,
) -> CaseEvent:
    """Append one audit event to the case and announce it live after commit."""
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        payload=payload or {},
    )
    event.case = case
    live.publish_case_events([event], extra_groups=extra_groups)
    case_events_recorded.send(sender=CaseEvent, events=[event])
    return event


def lock_case(case_id: int) -> Case:
    """The case row, locked until the transaction ends (a no-op lock on SQLite)."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer", "officer__user")
        .get(pk=case_id)
    )


def case_owned_or_supervised(case: Case, user) -> bool:
    if user is None:
        return False
    if roles.is_supervisor(user):
        return True
    officer = case.officer
    return bool(officer is not None and officer.user_id == user.pk and roles.is_officer(user))


class CaseMachine(Machine[Case]):
    def also_allowed(self, obj: Case, user) -> list[str]:
        # Extending a deadline changes no state: the case's own rule decides.
        return ["extend_deadline"] if obj.is_open and case_owned_or_supervised(obj, user) else []


CASES = CaseMachine(noun=gettext_lazy("case"), transitions=CASE_TRANSITIONS)


def allowed_transitions(case: Case, user) -> list[str]:
    """Names of the transitions ``user`` may fire now (state, guards and permission hold)."""
    return CASES.allowed(case, user)


def fire(
    *,
    case: Case,
    actor,
    name: str,
    payload: dict[str, Any] | None = None,
    check_permission: bool = True,
    **arguments: Any,
) -> CaseEvent:
    """Fire transition ``name`` on the (already locked) case and audit it.

    ``actor`` None means the system acts and permissions are not checked. Internal
    transitions (``open_task_group``, ``departments_done``) come through here too.
    """

    def audit(from_state: str | None, to_state: str | None) -> CaseEvent:
        event = record_event(
            case=case,
            kind=name,
            actor=actor,
            from_state=from_state,
            to_state=to_state,
            payload=payload or {},
        )
        clocks.on_transition(case, name=name, actor=actor, from_state=from_state, to_state=to_state)
        return event

    return CASES.fire(
        case, name=name, actor=actor, audit=audit, check_permission=check_permission, **arguments
    )


@transaction.atomic
def case_transition(*, case: Case, actor, name: str, **fields: Any) -> CaseEvent:
    """Fire one named transition for a person, with the fields it needs."""
    CASES.refuse_unknown(name)
    if name == "assign":  # these lock the case themselves
        return case_assign(case=case, actor=actor, officer=fields["officer"])
    if name == "extend_deadline":
        return case_extend_deadline(case=case, actor=actor, **fields)
    case = lock_case(case.pk)
    payload = {key: value for key, value in fields.items() if value not in (None, "")}
    if name == "resolve":
        # A warning, never a refusal: the resolution is kept as written, with its flags.
        case.qa_flags = quality_checks.flags_for(fields.get("resolution") or "")
    return fire(case=case, actor=actor, name=name, payload=payload, **fields)


@transaction.atomic
def case_assign(*, case: Case, actor, officer: EscalationOfficer) -> CaseEvent:
    """Give the case to ``officer``; an officer may take a case only for itself."""
    case = lock_case(case.pk)
    if actor is not None and not roles.is_supervisor(actor) and officer.user_id != actor.pk:
        raise NotPermitted(_("Officers may only take cases for themselves."))
    if (
        actor is not None
        and officer.user_id != actor.pk
        and officer.availability != Availability.AVAILABLE
    ):
        raise RuleViolation(
            _("%(name)s is %(availability)s: only available officers are given cases.")
            % {
                "name": officer.user.get_username(),
                "availability": officer.get_availability_display().lower(),
            }
        )
    return fire(
        case=case,
        actor=actor,
        name="assign",
        officer=officer,
        payload={"officer": officer.user.get_username(), "automatic": actor is None},
    )


def pick_officer(
    case: Case,
    *,
    min_level: int | None = None,
    exclude: int | None = None,
    pool: bool = True,
) -> EscalationOfficer | None:
    """The officer a case goes to, its row locked; vip customers need level 2 or above.

    The least loaded available officer with the skill that no concurrent intake is
    assigning to; when every one is, the least loaded, waiting for its lock. Strained
    officers come last (``officer.strained`` tells the caller one was taken). With no
    regular officer free and ``pool``, the shared pool may take a basic case
    (``officer.pool``). Once locked, the officer's open cases are counted again in a new
    statement (one that sees what other intakes committed while we waited), so two
    intakes cannot take the last slot.
    """
    vip_level = 2 if case.customer.tier == Customer.Tier.VIP else 1
    min_level = max(min_level or 1, vip_level)
    now = timezone.now()
    strain = floor.strain_rule(now)
    officer = _pick(case, min_level=min_level, exclude=exclude, strain=strain, pool=False)
    if officer is None and pool and floor.pool_is_open(case.category, now):
        officer = _pick(
            case,
            min_level=min_level,
            exclude=exclude,
            strain=strain,
            pool=True,
            today=timezone.localdate(now),
        )
    return officer


def _pick(
    case: Case,
    *,
    min_level: int,
    exclude: int | None,
    strain: selectors.Strain,
    pool: bool,
    today=None,
) -> EscalationOfficer | None:
    full: list[int] = [exclude] if exclude is not None else []
    # Where the database cannot skip locked rows, the first statement already waits.
    tries = (True, False) if connection.features.has_select_for_update_skip_locked else (False,)
    while True:
        for skip_locked in tries:
            officer = selectors.least_loaded_officer(
                category=case.category,
                min_level=min_level,
                exclude=full,
                skip_locked=skip_locked,
                strain=strain,
                pool=pool,
                today=today,
            )
            if officer is not None:
                break
        else:
            return None
        load = selectors.open_case_count(officer.pk)
        if load < officer.max_open_cases:
            officer.load = load  # type: ignore[attr-defined]
            return officer
        full.append(officer.pk)


def assignment_payload(officer: EscalationOfficer) -> dict[str, Any]:
    """What an automatic assignment's audit event says: who, and why that officer."""
    payload: dict[str, Any] = {"officer": officer.user.get_username(), "automatic": True}
    if officer.pool:
        payload["pool"] = True
    if getattr(officer, "strained", False):
        payload["strained"] = True
    return payload


def assign_waiting(*, now=None, limit: int = 100) -> int:
    """Offer the unassigned cases, oldest first, to available officers with room; once the
    oldest has waited past the pool threshold, the shared pool may take the basic ones
    (``pick_officer`` decides). Idempotent: each case is locked, and skipped if someone
    took it meanwhile. Beat runs it every minute, so a case waiting when an officer comes
    back from a break or closes a case is not overtaken by the next intake for long."""
    now = now or timezone.now()
    waiting = Case.objects.filter(state=CaseState.NEW, officer__isnull=True)
    assigned = 0
    for case_id in waiting.order_by("created_at", "pk").values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("customer")
                .filter(pk=case_id, state=CaseState.NEW, officer__isnull=True)
                .first()
            )
            if case is None:
                continue
            officer = pick_officer(case)
            if officer is None:
                continue
            fire(
                case=case,
                actor=None,
                name="assign",
                officer=officer,
                payload={**assignment_payload(officer), "waited_minutes": _waited(case, now)},
            )
            if getattr(officer, "strained", False):
                floor.alert_all_strained(case, officer)
            assigned += 1
    return assigned


def _waited(case: Case, now) -> int:
    return max(0, int((now - case.created_at).total_seconds() // 60))


def case_reference(pk: int, opened_at) -> str:
    return f"ESC-{timezone.localtime(opened_at).year}-{pk:06d}"


#: The id the next case gets, from the sequence (PostgreSQL).
NEXT_CASE_ID_SQL = "nextval(pg_get_serial_sequence('escalation_case', 'id'))"


def next_case_id() -> int | None:
    """The id the next case gets, taken from the database's sequence where it has one."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {NEXT_CASE_ID_SQL}")
        return cursor.fetchone()[0]


def remember_preferences(customer: Customer, preferences: dict[str, Any]) -> None:
    """Merge the contact preferences a contact brought into the customer's (other keys, such
    as an address set in the admin, stay), in one statement."""
    table = Customer._meta.db_table
    merge = (
        "contact_preferences || %s::jsonb"
        if connection.vendor == "postgresql"
        else ("json_patch(contact_preferences, %s)")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET contact_preferences = {merge} WHERE id = %s "
            "RETURNING contact_preferences",
            [json.dumps(preferences), customer.pk],
        )
        merged = cursor.fetchone()[0]
    customer.contact_preferences = json.loads(merged) if isinstance(merged, str) else merged


def _customer_and_open_case(
    data: dict[str, Any], category: str
) -> tuple[Customer, int | None, int | None]:
    """The customer named at intake (created on first contact, its row locked), the id of
    their open case in ``category``, if any, locked too, and the id a new case gets when
    the statement that created the customer drew it already."""
    customer, first_contact, case_id = _customer_for_intake(data)
    if first_contact:  # a customer who did not exist a moment ago has no case yet
        return customer, None, case_id
    # A statement of its own: once the customer's row is locked, it sees the case that a
    # concurrent contact from the same customer committed meanwhile.
    open_case_id = (
        Case.objects.select_for_update()
        .filter(customer=customer, category=category, state__in=OPEN_STATES)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return customer, open_case_id, None


def _customer_for_intake(data: dict[str, Any]) -> tuple[Customer, bool, int | None]:
    """The customer named at intake, created on first contact, its row locked; whether this
    was the first contact; and, for a first contact on PostgreSQL, the id its case gets."""
    if data.get("name") and data.get("tier"):
        # One statement: insert, or update name and tier (intake is the source of truth for
        # both) and lock the existing row. Only the three intake fields are read afterwards.
        customer = Customer(external_id=data["external_id"], name=data["name"], tier=data["tier"])
        if connection.vendor != "postgresql":
            Customer.objects.bulk_create(
                [customer],
                update_conflicts=True,
                unique_fields=["external_id"],
                update_fields=["name", "tier"],
            )
            return customer, False, None
        upsert, params = insert_sql(
            [customer],
            returning=True,
            on_conflict=OnConflict.UPDATE,
            update_fields=[Customer._meta.get_field(name) for name in ("name", "tier")],
            unique_fields=[Customer._meta.get_field("external_id")],
        )
        with connection.cursor() as cursor:
            # xmax is 0 on a row the statement inserted, not on one it updated. A first
            # contact has no open case to attach to, so its case's id is drawn here too,
            # sparing the intake a round trip (a returning customer's is drawn once we know
            # the contact opens a case).
            cursor.execute(
                f"{upsert}, (xmax = 0), CASE WHEN xmax = 0 THEN {NEXT_CASE_ID_SQL} END", params
            )
            customer.pk, inserted, case_id = cursor.fetchone()
        mark_saved([customer])
        return customer, inserted, case_id
    locked = Customer.objects.select_for_update()
    found = locked.filter(external_id=data["external_id"]).first()
    created = False
    if found is not None:
        customer = found
    else:
        # Insert-or-nothing needs no savepoint; a concurrent first contact simply wins.
        fresh = Customer(
            external_id=data["external_id"],
            name=data.get("name", ""),
            tier=data.get("tier") or Customer.Tier.STANDARD,
        )
        Customer.objects.bulk_create([fresh], ignore_conflicts=True)
        customer = locked.get(external_id=data["external_id"])
        created = customer.name == fresh.name and customer.tier == fresh.tier
    if not created:
        changed = {
            key: data[key]
            for key in ("name", "tier")
            if data.get(key) and getattr(customer, key) != data[key]
        }
        if changed:
            for key, value in changed.items():
                setattr(customer, key, value)
            customer.save(update_fields=list(changed))
    return customer, False, None  # maybe first, maybe not: the caller looks for an open case


@transaction.atomic
def case_intake(
    *,
    actor,
    title: str,
    channel: str,
    category: str,
    customer: dict[str, Any],
    description: str = "",
    priority: str = Case.Priority.P3,
    context: dict[str, Any] | None = None,
) -> tuple[Case, bool]:
    """Open an escalation, or attach the contact to the customer's open case in the category.

    Returns ``(case, deduplicated)``. A new case is assigned at once to the least loaded
    eligible officer; with none eligible it waits, ``new``, in the unassigned queue.
    """
    context = context or {}
    the_customer, open_case_id, case_id = _customer_and_open_case(customer, category)
    if customer.get("preferences"):
        remember_preferences(the_customer, customer["preferences"])
    if open_case_id is not None:
        open_case = lock_case(open_case_id)
        open_case.customer = the_customer
        record_event(
            case=open_case,
            kind="contact_attached",
            actor=actor,
            payload={
                "title": title,
                "description": description,
                "channel": channel,
                "priority": priority,
                "context": context,
            },
        )
        return open_case, True

    Category.objects.ensure_listed(category)  # cases and knowledge share one list
    case = Case(
        title=title,
        description=description,
        channel=channel,
        category=category,
        priority=priority,
        customer=the_customer,
        context=context,
        opened_by=actor if actor is not None and actor.is_authenticated else None,
    )
    # The officer is chosen before the insert, and where the database hands out the id
    # first the reference is known too: the case, its clocks and its audit events are
    # written together, in one statement on PostgreSQL.
    officer = pick_officer(case)
    if officer is not None:  # the system assigns at once
        case.assign(officer=officer)
    rows = Inserts()
    case.pk = case_id or next_case_id()
    if case.pk is not None:
        case.reference = case_reference(case.pk, timezone.now())
    rows.add([case])  # sets created_at
    if case.reference is None:
        case.reference = case_reference(case.pk, case.created_at)
        Case.objects.filter(pk=case.pk).update(reference=case.reference)
    case._update_initial_state()  # as Model.save does for django-fsm's concurrency check
    case.fresh_clocks = rows.add(clocks.case_clocks(case, now=case.created_at))
    events = [
        CaseEvent(
            case=case,
            kind="created",
            actor=actor,
            to_state=CaseState.NEW,
            payload={"channel": channel, "priority": priority, "category": category},
        )
    ]
    if officer is not None:
        events.append(
            CaseEvent(
                case=case,
                kind="assign",
                from_state=CaseState.NEW,
                to_state=CaseState.ASSIGNED,
                payload=assignment_payload(officer),
            )
        )
    rows.add(events)
    rows.run()
    live.publish_case_events(events)
    if officer is not None:
        metrics.count_transition("case", "assign")
        if getattr(officer, "strained", False):
            floor.alert_all_strained(case, officer)
    return case, False


#: One step up the priority ladder when an escalation rule raises a breached case.
PRIORITY_UP = {
    Case.Priority.P4: Case.Priority.P3,
    Case.Priority.P3: Case.Priority.P2,
    Case.Priority.P2: Case.Priority.P1,
    Case.Priority.P1: Case.Priority.P1,
}
#: Fields of a case whose change can give it another SLA policy.
RETARGETING_FIELDS = {"priority", "category"}


@transaction.atomic
def case_update(
    *, case: Case, actor, changes: dict[str, Any], kind: str = "edited", **payload: Any
) -> CaseEvent | None:
    """Change a case's own fields (no state change): one audit event, live after commit.

    When priority or category change, the running clocks take the targets of the policy
    the case gets now. ``None`` when nothing changed.
    """
    case = lock_case(case.pk)
    before = {name: getattr(case, name) for name in changes}
    changed = [name for name, value in changes.items() if before[name] != value]
    if not changed:
        return None
    for name in changed:
        setattr(case, name, changes[name])
    case.save(update_fields=[*changed, "updated_at"])
    if "category" in changed:
        Category.objects.ensure(case.category)
    if RETARGETING_FIELDS.intersection(changed):
        clocks.retarget(case)
    if kind == "edited":
        payload = {**{name: str(changes[name]) for name in changed}, **payload}
    return record_event(case=case, kind=kind, actor=actor, payload=payload)


@transaction.atomic
def customer_update(*, customer: Customer, actor, changes: dict[str, Any]) -> list[CaseEvent]:
    """Change a customer's name or tier. A new tier can give each open case another SLA
    policy: their running clocks are retargeted, each case audited once."""
    before = {name: getattr(customer, name) for name in changes}
    changed = [name for name, value in changes.items() if before[name] != value]
    if not changed:
        return []
    for name in changed:
        setattr(customer, name, changes[name])
    customer.save(update_fields=changed)
    if "tier" not in changed:
        return []
    events = []
    for case in customer.cases.filter(state__in=OPEN_STATES).order_by("pk"):
        locked = lock_case(case.pk)
        clocks.retarget(locked)
        events.append(
            record_event(
                case=locked,
                kind="customer_tier_changed",
                actor=actor,
                payload={"from": str(before["tier"]), "to": str(customer.tier)},
            )
        )
    return events


def case_raise_priority(*, case: Case, level: int) -> CaseEvent | None:
    """The system raises a breached case one priority (its clocks retargeted)."""
    old = Case.Priority(case.priority)
    new = PRIORITY_UP[old]
    if new == old:
        return None
    event = case_update(
        case=case,
        actor=None,
        changes={"priority": new},
        kind="priority_raised",
        **{"from": str(old), "to": str(new), "level": level},
    )
    case.priority = new
    return event


@transaction.atomic
def case_reassign(*, case: Case, officer: EscalationOfficer, level: int) -> CaseEvent:
    """The system hands a breached case to a more senior officer (its state is kept)."""
    locked = lock_case(case.pk)
    previous = locked.officer.user.get_username() if locked.officer is not None else None
    locked.officer = officer
    locked.save(update_fields=["officer", "updated_at"])
    case.officer = officer
    return record_event(
        case=locked,
        kind="reassigned",
        actor=None,
        payload={
            "from": previous,
            "to": officer.user.get_username(),
            "level": level,
            "automatic": True,
        },
    )


def case_escalate(case: Case, rule: EscalationRule, level: int) -> None:
    """Apply escalation ``rule`` to a case that breached to ``level``, as the system."""
    if rule.raise_priority:
        case_raise_priority(case=case, level=level)
    if rule.reassign_to_level and (
        case.officer is None or case.officer.level < rule.reassign_to_level
    ):
        officer = pick_officer(
            case, min_level=rule.reassign_to_level, exclude=case.officer_id, pool=False
        )
        if officer is not None:
            case_reassign(case=case, officer=officer, level=level)


def sla_sweep(*, now=None, batch_size: int = sweep.BATCH_SIZE) -> sweep.SweepResult:
    """Warn and breach every due clock, escalating breached cases through these services."""
    result = sweep.sweep(escalate=case_escalate, now=now, batch_size=batch_size)
    metrics.SLA_WARNINGS.inc(result.warned)
    metrics.SLA_BREACHES.inc(result.breached)
    return result


@transaction.atomic
def case_extend_deadline(*, case: Case, actor, clock: str, until, reason: str) -> CaseEvent:
    """Move a running clock's due time later; past the policy's count only a supervisor may."""
    case = lock_case(case.pk)
    if not case.is_open:
        raise TransitionNotAllowed(
            _("Deadlines of a %(state)s case cannot be extended.") % {"state": case.state},
            allowed=allowed_transitions(case, actor),
        )
    if not case_owned_or_supervised(case, actor):
        raise NotPermitted(_("You may not extend this case's deadlines."))
    the_clock = (
        case.sla_clocks.filter(kind=clock, stopped_at=None).select_related("calendar").last()
    )
    if the_clock is None:
        raise RuleViolation(
            _("The case has no running %(clock)s clock.") % {"clock": clock},
            code=ErrorCode.NO_RUNNING_CLOCK,
            clock=clock,
        )
    if until <= the_clock.due_at:
        raise RuleViolation(
            _("The new deadline must be later than the current one (%(due)s).")
            % {"due": the_clock.due_at.isoformat()},
            code=ErrorCode.DEADLINE_NOT_LATER,
            due_at=the_clock.due_at.isoformat(),
        )
    latest = clocks.latest_deadline(timezone.now())
    if until > latest:
        raise RuleViolation(
            _("A deadline can be set at most a year ahead, until %(latest)s.")
            % {"latest": latest.isoformat(timespec="minutes")},
            code=ErrorCode.DEADLINE_TOO_FAR,
            latest=latest.isoformat(),
        )
    policy = policies.case_policy(case)
    allowed = policy.max_extensions if policy else 0
    if the_clock.extensions >= allowed and not roles.is_supervisor(actor):
        raise RuleViolation(
            _("This clock was already extended %(count)s times; a supervisor must approve more.")
            % {"count": the_clock.extensions},
            code=ErrorCode.EXTENSION_NEEDS_SUPERVISOR,
            extensions=the_clock.extensions,
            limit=allowed,
        )
    previous = the_clock.due_at
    clocks.extend(the_clock, until)
    return record_event(
        case=case,
        kind="extend_deadline",
        actor=actor,
        payload={
            "clock": clock,
            "from": previous.isoformat(),
            "until": until.isoformat(),
            "reason": reason,
            "extensions": the_clock.extensions,
        },
    )


#: The longest note of customer praise.
PRAISE_NOTE_MAX_LENGTH = 1000
#: Where customer praise came from: the case's channels, or a satisfaction survey.
PRAISE_SOURCES = (*Case.Channel.values, "survey")


def may_record_praise(case: Case, user) -> bool:
    """Supervisors and frontline (intake clients) on any case; an officer on its own case."""
    return roles.has_role(user, roles.SUPERVISORS, roles.FRONTLINE) or case_owned_or_supervised(
        case, user
    )


@transaction.atomic
def case_record_praise(*, case: Case, actor, note: str, source: str = "") -> CaseEvent:
    """Record that the customer praised the handling of the case: one ``praise`` event (no
    state change), naming the officer the praise is for.

    Praise may come while the case is open and, once it is resolved or closed, within the
    reopen window; never on a cancelled case.
    """
    case = lock_case(case.pk)
    if not may_record_praise(case, actor):
        raise NotPermitted(_("You may not record praise on this case."))
    note = (note or "").strip()
    if not note:
        raise InvalidInput({"note": [_("This field may not be blank.")]})
    if len(note) > PRAISE_NOTE_MAX_LENGTH:
        raise InvalidInput(
            {
                "note": [
                    _("Ensure this field has no more than %(max)d characters.")
                    % {"max": PRAISE_NOTE_MAX_LENGTH}
                ]
            }
        )
    if source and source not in PRAISE_SOURCES:
        raise InvalidInput({"source": [_("Not a known source of praise.")]})
    if case.state == CaseState.CANCELLED:
        raise RuleViolation(_("A cancelled case takes no praise."), code=ErrorCode.CASE_CANCELLED)
    deadline = case.reopen_deadline()
    if not case.is_open and deadline is not None and timezone.now() > deadline:
        raise RuleViolation(
            _("Praise is recorded within the reopen window, which has passed for this case."),
            code=ErrorCode.REOPEN_WINDOW_EXPIRED,
        )
    officer = case.officer.user.get_username() if case.officer is not None else None
    return record_event(
        case=case,
        kind="praise",
        actor=actor,
        payload={"note": note, "source": source or case.channel, "officer": officer},
    )
