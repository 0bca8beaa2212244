"""Demo data for badges and points: some customers' praise, then the awards rebuilt from the
audit trail so the war report's leaderboard is not empty."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from escalation.models import Case, CaseEvent, CaseState
from escalation.services import case_record_praise
from team import awards

PRAISE = (
    "The customer called back to thank the officer for the quick fix.",
    "客户来电表扬：处理及时，态度很好。",
    "Five stars in the satisfaction survey: “finally someone who followed it through”.",
)
#: How many resolved or closed cases of the demo get praise (once: the demo is idempotent).
PRAISED_CASES = 8


def seed(stdout) -> None:
    if not CaseEvent.objects.filter(kind="praise").exists():
        frontline = get_user_model().objects.get(username="frontline")
        cases = (
            Case.objects.filter(
                state__in=[CaseState.RESOLVED, CaseState.CLOSED], officer__isnull=False
            )
            .select_related("officer__user")
            .order_by("pk")[:PRAISED_CASES]
        )
        for index, case in enumerate(cases):
            case_record_praise(
                case=case,
                actor=frontline,
                note=PRAISE[index % len(PRAISE)],
                source="survey" if index % 2 else case.channel,
            )
    done = awards.recompute()
    stdout.write(f"team: {done.awards} badges, {done.points} points")
