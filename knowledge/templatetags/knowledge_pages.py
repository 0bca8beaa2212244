"""Template helpers of the knowledge pages: labels from the models, and the review trail.

States and transitions are named by the models (translated once there); templates never
spell them.
"""

from __future__ import annotations

from functools import cache

from django import template
from django.utils.translation import gettext_lazy as _

from knowledge.models import KnowledgeRequest, RequestState

register = template.Library()

#: Review-trail lines that are no transition.
EVENT_LABELS = {"created": _("Raised"), "edited": _("Edited")}


@cache
def _transition_labels() -> dict[str, str]:
    field = KnowledgeRequest._meta.get_field("state")
    return {
        transition.name: transition.custom["label"]
        for transition in field.get_all_transitions(KnowledgeRequest)  # type: ignore[attr-defined]
        if "label" in transition.custom
    }


@register.filter
def request_state_label(state: str) -> str:
    return str(dict(RequestState.choices).get(state, state))


@register.filter
def request_transition_label(name: str) -> str:
    return str(_transition_labels().get(name, name))


@register.filter
def request_event_label(kind: str) -> str:
    label = EVENT_LABELS.get(kind) or _transition_labels().get(kind)
    return str(label) if label is not None else kind
