"""One way to fire a state-machine transition, for cases, tasks, grants and knowledge requests.

A resource describes its machine once (``Machine``): the transitions people fire through the
uniform endpoint with the fields each requires, and what to call the record in messages.
``Machine.fire`` finds the transition declared for the record's current state, checks the
actor's permission and the guards, calls it, saves the record and hands the change to the
service's ``audit`` callback, which writes the one audit event. Every refusal has the same
shape whatever the resource: 409 when the state does not allow it (with the transitions
allowed now), 403 when the actor may not, 422 when a guard fails (naming its rule).

Services lock the record before calling ``fire``; state machines on the models hold no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from django.db import models
from django.utils.translation import gettext as _

from core import metrics
from core.errors import ErrorCode, NotPermitted, RuleViolation, TransitionNotAllowed

Result = TypeVar("Result")
Record = TypeVar("Record", bound=models.Model)
Guard = Callable[[Any], bool]


def rule(code: ErrorCode, message: Any, details: Callable[[Any], dict] | None = None):
    """Name the business rule a django-fsm guard enforces, for the 422 it raises."""

    def decorate(func: Guard) -> Guard:
        func.rule_code = code  # type: ignore[attr-defined]
        func.rule_message = message  # type: ignore[attr-defined]
        func.rule_details = details or (lambda obj: {})  # type: ignore[attr-defined]
        return func

    return decorate


class Machine(Generic[Record]):
    """The transitions of one resource that people fire, and how refusals name it."""

    def __init__(
        self, *, noun: Any, transitions: Mapping[str, tuple[str, ...]], field: str = "state"
    ) -> None:
        self.noun = noun
        self.transitions = transitions
        self.field = field

    def state_of(self, obj: Record) -> str:
        return getattr(obj, self.field)

    def state_label(self, obj: Record, state: str) -> str:
        """The state as people read it, in the active language ("awaiting customer")."""
        choices = dict(getattr(type(obj)._meta.get_field(self.field), "flatchoices", ()))
        return str(choices.get(state, state)).lower()

    def declared(self, obj: Record, name: str):
        """The transition ``name`` as declared for the record's current state, or None."""
        state = self.state_of(obj)
        for transition in obj.get_all_state_transitions():  # type: ignore[attr-defined]
            if transition.name == name and transition.source in (state, "*"):
                return transition
        return None

    def allowed(self, obj: Record, user) -> list[str]:
        """Names of the transitions ``user`` may fire now (state, guards and permission)."""
        if user is None:
            return []
        available = {t.name for t in obj.get_available_user_state_transitions(user)}  # type: ignore[attr-defined]
        available |= set(self.also_allowed(obj, user))
        return [name for name in self.transitions if name in available]

    def also_allowed(self, obj: Record, user) -> list[str]:
        """Transitions that are not state changes, allowed by the resource's own rules."""
        return []

    def described(self, obj: Record, user) -> list[dict[str, Any]]:
        """``GET …/transitions/``: ``[{"name", "fields"}]`` of what ``user`` may fire now."""
        return [
            {"name": name, "fields": list(self.transitions[name])}
            for name in self.allowed(obj, user)
        ]

    def check_actor(self, obj: Record, actor, name: str) -> None:
        """Rules about who fires it that a django-fsm permission cannot express (raise)."""

    def refuse_unknown(self, name: str) -> None:
        if name not in self.transitions:
            raise TransitionNotAllowed(
                _("Unknown transition %(name)s.") % {"name": name}, allowed=[]
            )

    def check(self, obj: Record, *, name: str, actor, check_permission: bool = True):
        """The transition to fire, or the refusal: 409 state, 403 person, 422 guard."""
        transition = self.declared(obj, name)
        if transition is None:
            state = self.state_of(obj)
            raise TransitionNotAllowed(
                _("Cannot %(name)s a %(noun)s that is %(state)s.")
                % {"name": name, "noun": self.noun, "state": self.state_label(obj, state)},
                allowed=self.allowed(obj, actor),
                state=state,
            )
        if actor is not None and check_permission:
            self.check_actor(obj, actor, name)
            if not transition.has_perm(obj, actor):
                raise NotPermitted(
                    _("You may not %(name)s this %(noun)s.") % {"name": name, "noun": self.noun}
                )
        for condition in transition.conditions:
            if not condition(obj):
                details: dict[str, Any] = getattr(condition, "rule_details", lambda obj: {})(obj)
                raise RuleViolation(
                    str(getattr(condition, "rule_message", _("A rule forbids this."))),
                    code=getattr(condition, "rule_code", ErrorCode.GUARD_FAILED),
                    transition=name,
                    **details,
                )
        return transition

    def apply(
        self,
        obj: Record,
        *,
        name: str,
        audit: Callable[[str | None, str | None], Result],
        **arguments: Any,
    ) -> Result:
        """Call the (checked) transition with ``arguments``, save, and audit the change.

        ``audit`` receives ``(from_state, to_state)``, both None when the state did not
        change, and writes the one audit event.
        """
        from_state = self.state_of(obj)
        getattr(obj, name)(**arguments)
        obj.save()
        to_state = self.state_of(obj)
        changed = to_state != from_state
        result = audit(from_state if changed else None, to_state if changed else None)
        metrics.count_transition(type(obj)._meta.model_name or "", name)
        return result

    def fire(
        self,
        obj: Record,
        *,
        name: str,
        actor,
        audit: Callable[[str | None, str | None], Result],
        check_permission: bool = True,
        **arguments: Any,
    ) -> Result:
        """``check`` then ``apply``: the whole path for a transition with no preparation.

        ``actor`` None means the system acts and permissions are not checked.
        """
        self.check(obj, name=name, actor=actor, check_permission=check_permission)
        return self.apply(obj, name=name, audit=audit, **arguments)
