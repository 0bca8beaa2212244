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
``approvals.changed``
    What waits on ``/approvals/`` changed: a grant started or stopped waiting for a
    decision or for the quality review. Fields: ``grant`` (its id), ``at``. Sent to every
    active supervisor's ``user-<id>`` group after commit; pages re-read their counts.
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


@dataclass(frozen=True)
class ApprovalsChanged:
    grant: int
    at: str
    type: str = "approvals.changed"


def _supervisor_groups(*, but: int | None = None) -> list[str]:
    supervisors = get_user_model().objects.filter(groups__name=roles.SUPERVISORS, is_active=True)
    if but is not None:
        supervisors = supervisors.exclude(pk=but)
    return [user_group(pk) for pk in supervisors.values_list("pk", flat=True)]


def approvals_changed(grant) -> None:
    """Tell every supervisor's open pages that the approvals waiting changed."""
    groups = _supervisor_groups()
    if groups:
        send_on_commit(groups, ApprovalsChanged(grant=grant.pk, at=timezone.now().isoformat()))


def requester_groups(grant) -> list[str]:
    return [user_group(grant.requested_by_id)]


def notify_supervisors(grant) -> None:
    """Tell every supervisor (but the requester) that a grant waits for approval."""
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
    groups = _supervisor_groups(but=grant.requested_by_id)
    if groups:
        send_on_commit(groups, message)
