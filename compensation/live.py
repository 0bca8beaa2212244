"""Live events of the compensation app (see ``escalation.live`` for the envelope rules).

Every grant step writes one CaseEvent through ``escalation.services.record_event``, which
publishes one ``case.updated`` (kinds ``compensation_approved``, ``compensation_pending_approval``,
``compensation_declined``, ``compensation_issued``, ``compensation_revoked``,
``compensation_reviewed``; the payload carries ``grant``, ``kind``, ``amount``, ``currency``,
``state`` and ``from``) to the case room, the case officer and the requester's workbench.

Event types added here
----------------------
``notification`` with ``kind`` ``compensation_approval``
    A grant waits for a supervisor. Fields: ``id`` (the grant id), ``kind``, ``text``,
    ``case`` (case id), ``amount``, ``currency``, ``at``. Sent to every active
    supervisor's ``user-<id>`` group after commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from core import roles
from core.live import send_on_commit, user_group


@dataclass(frozen=True)
class ApprovalWaiting:
    id: int
    case: int
    text: str
    amount: str
    currency: str
    at: str
    kind: str = "compensation_approval"
    type: str = "notification"


def requester_groups(grant) -> list[str]:
    return [user_group(grant.requested_by_id)]


def notify_supervisors(grant) -> None:
    """Tell every supervisor (but the requester) that a grant waits for approval."""
    supervisors = (
        get_user_model()
        .objects.filter(groups__name=roles.SUPERVISORS, is_active=True)
        .exclude(pk=grant.requested_by_id)
        .values_list("pk", flat=True)
    )
    message = ApprovalWaiting(
        id=grant.pk,
        case=grant.case_id,
        text=_("%(user)s asks to grant %(amount)s %(currency)s (%(kind)s) on %(case)s.")
        % {
            "user": grant.requested_by.get_username(),
            "amount": f"{grant.amount:.2f}",
            "currency": grant.currency,
            "kind": grant.kind.code,
            "case": grant.case.reference or grant.case_id,
        },
        amount=f"{grant.amount:.2f}",
        currency=grant.currency,
        at=timezone.now().isoformat(),
    )
    groups = [user_group(pk) for pk in supervisors]
    if groups:
        send_on_commit(groups, message)
