"""Which SLA policy a case gets, and why: lowest order first, then most specific, then oldest.

The active policies are kept per process (``escalation.models.sla.active_policies``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from escalation.models import Case, SlaPolicy
from escalation.models.sla import active_policies, forget_policies

__all__ = [
    "active_policies",
    "case_policy",
    "forget_policies",
    "policy_for",
    "ranked_policies",
    "why_this_policy",
]


def ranked_policies(
    *, priority: str, tier: str, category: str, policies: list[SlaPolicy] | None = None
) -> list[SlaPolicy]:
    """The active policies matching the three facts, the one that applies first.

    Lowest ``order`` first; at equal order the most specific; then the oldest.
    """
    candidates = active_policies() if policies is None else policies
    return sorted(
        (p for p in candidates if p.matches(priority=priority, tier=tier, category=category)),
        key=lambda p: p.precedence,
    )


def policy_for(*, priority: str, tier: str, category: str) -> SlaPolicy | None:
    """The policy a case with these facts gets (None: no clocks)."""
    ranked = ranked_policies(priority=priority, tier=tier, category=category)
    return ranked[0] if ranked else None


def why_this_policy(ranked: list[SlaPolicy]) -> str:
    """Why the first of ``ranked`` applies rather than the next, in one sentence."""
    if not ranked:
        return _("No active policy matches: such a case gets no clocks.")
    chosen = ranked[0]
    if len(ranked) == 1:
        return _("“%(chosen)s” is the only active policy that matches.") % {"chosen": chosen}
    runner_up = ranked[1]
    facts = {
        "chosen": chosen,
        "other": runner_up,
        "order": chosen.order,
        "other_order": runner_up.order,
        "fields": chosen.specificity,
        "other_fields": runner_up.specificity,
    }
    if chosen.order < runner_up.order:
        return (
            _(
                "“%(chosen)s” comes first: its order %(order)d is lower than %(other_order)d of “%(other)s”."
            )
            % facts
        )
    if chosen.specificity > runner_up.specificity:
        return (
            _(
                "“%(chosen)s” and “%(other)s” have the same order (%(order)d); “%(chosen)s” is "
                "more specific (%(fields)d of priority, tier and category against %(other_fields)d)."
            )
            % facts
        )
    return (
        _(
            "“%(chosen)s” and “%(other)s” have the same order (%(order)d) and are as specific as "
            "each other: the older policy applies. Give one a lower order to decide."
        )
        % facts
    )


def case_policy(case: Case) -> SlaPolicy | None:
    return policy_for(priority=case.priority, tier=case.customer.tier, category=case.category)
