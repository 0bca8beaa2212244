"""Proactive notices: the customer hears of what matters before asking.

Case events that matter to a customer (assigned, a department's promised time, a deadline
extension, resolved) and supervisors' broadcasts become ``Notice`` rows; ``peak.send_notices``
(beat, every few seconds) writes the notices of new events and sends what is due.

- Intake and transitions do nothing for this, so they stay as fast as they were. The job
  looks back over recent events that have no notice yet; a notice's unique constraint makes
  writing it twice a no-op, so several workers, or an event that commits late, are safe.
- Each notice goes on the customer's most preferred channel; with ``electronic_only`` only on
  app push, SMS or e-mail, and the letter or call it replaced is counted as avoided. Every
  electronic notice earns green points.
- Sending claims a notice ``FOR UPDATE SKIP LOCKED`` and marks it sent in the same
  transaction, so two workers never send one notice. A failure is retried with back-off up to
  ``CASEHUB_NOTICE_MAX_ATTEMPTS``; the provider gets the notice's key, so a retry after a lost
  answer is not delivered twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import override

from core import live
from core.errors import InvalidInput
from escalation.models import (
    ELECTRONIC_CHANNELS,
    OPEN_STATES,
    Case,
    CaseEvent,
    ContactChannel,
    Department,
)
from peak.models import Broadcast, Notice
from peak.senders import SendError, sender_for

logger = logging.getLogger("casehub.notices")

#: Case events a customer hears of, and the notice each gives.
NOTICE_KINDS = {
    "assign": Notice.Kind.ASSIGNED,
    "task_accept": Notice.Kind.TASK_PROMISED,
    "extend_deadline": Notice.Kind.DEADLINE_EXTENDED,
    "resolve": Notice.Kind.RESOLVED,
}
#: Where a customer without preferences hears from us.
DEFAULT_CHANNEL = ContactChannel.SMS
ADDRESS_KEYS = {
    ContactChannel.EMAIL: "email",
    ContactChannel.SMS: "phone",
    ContactChannel.PHONE: "phone",
    ContactChannel.PAPER: "address",
}


@dataclass(frozen=True)
class Route:
    channel: str
    avoided: str  # the letter or call an electronic-only customer is spared, or ""
    green_points: int


def _preferences(customer) -> dict[str, Any]:
    """The customer's preferences; anything but an object (an admin's slip) counts as none."""
    value = customer.contact_preferences
    return value if isinstance(value, dict) else {}


def has_address(channel: str, preferences: dict[str, Any]) -> bool:
    """App push reaches the customer's account; the others need their address."""
    return channel == ContactChannel.APP or bool(preferences.get(ADDRESS_KEYS.get(channel, "")))


def route(preferences: dict[str, Any] | None) -> Route:
    """The channel a notice goes on, given the customer's preferences."""
    preferences = preferences or {}
    wanted = [c for c in preferences.get("channels") or [] if c in ContactChannel.values]
    avoided = ""
    if preferences.get("electronic_only"):
        # The notice would have gone by the first channel listed: a letter or call spared.
        if wanted and wanted[0] not in ELECTRONIC_CHANNELS:
            avoided = wanted[0]
        wanted = [c for c in wanted if c in ELECTRONIC_CHANNELS]
    # The first allowed channel the customer can be reached on; without any address, the
    # first allowed one all the same (its sender says what is missing).
    reachable = [c for c in wanted if has_address(c, preferences)]
    channel = (reachable or wanted or [DEFAULT_CHANNEL])[0]
    points = settings.CASEHUB_GREEN_POINTS_PER_NOTICE if channel in ELECTRONIC_CHANNELS else 0
    return Route(channel=channel, avoided=avoided, green_points=points)


def _when(value: str | None) -> str:
    moment = parse_datetime(value) if value else None
    if moment is None:
        return ""
    # Digits read the same in every language, and end no sentence early ("9 p.m..").
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def notice_text(kind: str, case: Case, payload: dict[str, Any]) -> str:
    """The notice, in the customer's language where they gave one."""
    language = _preferences(case.customer).get("language") or settings.LANGUAGE_CODE
    with override(language):
        names = {"reference": case.reference, "title": case.title}
        if kind == Notice.Kind.ASSIGNED:
            return (
                _("%(reference)s: a senior officer is now handling your case “%(title)s”.") % names
            )
        if kind == Notice.Kind.TASK_PROMISED:
            return _(
                "%(reference)s: our %(department)s team has taken on “%(task)s” and promises "
                "it by %(due)s."
            ) % {
                **names,
                "department": payload.get("department", ""),
                "task": payload.get("title", ""),
                "due": _when(payload.get("due_at")),
            }
        if kind == Notice.Kind.DEADLINE_EXTENDED:
            return _("%(reference)s: we need more time; we now promise an answer by %(due)s.") % {
                **names,
                "due": _when(payload.get("until")),
            }
        if kind == Notice.Kind.RESOLVED:
            return _("%(reference)s: your case “%(title)s” is resolved. %(resolution)s") % {
                **names,
                "resolution": case.resolution,
            }
        return payload.get("message", "")


def for_the_customer(event: CaseEvent) -> bool:
    """Whether the customer hears of this event: a deadline moves them only when it is the
    answer's (the resolution clock), not an internal one such as the next update."""
    if event.kind == "extend_deadline":
        return (event.payload or {}).get("clock", "resolution") == "resolution"
    return True


def _notice(case: Case, kind: str, text: str, **links: Any) -> Notice:
    way = route(_preferences(case.customer))
    return Notice(
        case=case,
        kind=kind,
        channel=way.channel,
        avoided=way.avoided,
        green_points=way.green_points,
        text=text,
        **links,
    )


def collect(now: datetime | None = None) -> int:
    """Write the notices of recent events that have none yet; returns how many."""
    now = now or timezone.now()
    since = now - timedelta(minutes=settings.CASEHUB_NOTICE_LOOKBACK_MINUTES)
    events = (
        CaseEvent.objects.filter(kind__in=NOTICE_KINDS, created_at__gte=since)
        .filter(~Exists(Notice.objects.filter(event=OuterRef("pk"))))
        .select_related("case__customer")
        .order_by("pk")[: settings.CASEHUB_NOTICE_BATCH]
    )
    events = list(events)
    departments = dict(
        Department.objects.filter(
            code__in={(e.payload or {}).get("department") for e in events} - {None}
        ).values_list("code", "name")
    )
    notices = []
    for event in events:
        kind = NOTICE_KINDS[event.kind]
        if not for_the_customer(event):
            continue
        try:
            payload = dict(event.payload or {})
            if payload.get("department") in departments:  # its name, not its code
                payload["department"] = departments[payload["department"]]
            text = notice_text(kind, event.case, payload)
            notices.append(_notice(event.case, kind, text, event=event))
        except Exception:  # one odd event must not hold back the others' notices
            logger.exception("no notice for case event %s", event.pk)
    return len(Notice.objects.bulk_create(notices, ignore_conflicts=True))


def _address(notice: Notice) -> str:
    preferences = _preferences(notice.case.customer)
    if notice.channel == ContactChannel.APP:
        return notice.case.customer.external_id
    return str(preferences.get(ADDRESS_KEYS.get(notice.channel, ""), ""))


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.CASEHUB_NOTICE_RETRY_SECONDS * 2 ** max(attempts - 1, 0))


def send_one(now: datetime | None = None) -> Notice | None:
    """Claim the oldest due notice, send it and record the outcome, in one transaction;
    ``None`` when nothing is due (or every due notice is being sent by another worker)."""
    now = now or timezone.now()
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("case__customer")
            .filter(
                ~Q(status=Notice.Status.SENT),
                next_attempt_at__lte=now,
                attempts__lt=settings.CASEHUB_NOTICE_MAX_ATTEMPTS,
            )
            .order_by("next_attempt_at", "pk")
            .first()
        )
        if notice is None:
            return None
        notice.attempts += 1
        try:
            preferences = _preferences(notice.case.customer)
            if preferences.get("electronic_only") and notice.channel not in ELECTRONIC_CHANNELS:
                raise SendError("The customer wants electronic notices only.", retry=False)
            reference = sender_for(notice.channel).send(
                key=notice.key,
                address=_address(notice),
                subject=f"[{notice.case.reference}] {notice.get_kind_display()}",
                text=notice.text,
            )
        except Exception as error:  # a provider's own errors too: never stall the queue
            retry = error.retry if isinstance(error, SendError) else True
            if not isinstance(error, SendError):
                logger.exception("notice %s by %s failed", notice.key, notice.channel)
            notice.status = Notice.Status.FAILED
            notice.last_error = (str(error) or type(error).__name__)[:500]
            if retry:
                notice.next_attempt_at = now + _backoff(notice.attempts)
            else:
                notice.attempts = settings.CASEHUB_NOTICE_MAX_ATTEMPTS
        else:
            notice.status = Notice.Status.SENT
            notice.sent_at = timezone.now()
            notice.provider_reference = reference[:200]
            notice.last_error = ""
            live.send_on_commit(
                [live.case_group(notice.case_id)],
                {"type": "notice.sent", "id": notice.pk, "case": notice.case_id},
            )
        notice.save()
        return notice


def send_due(now: datetime | None = None) -> int:
    """Send every notice due now; returns how many went out."""
    sent = 0
    # Bounded in time too: a slow provider must not keep the worker from other jobs (the
    # surge check); what is left goes on the next run.
    deadline = time.monotonic() + settings.CASEHUB_NOTICE_SEND_SECONDS
    for _attempt in range(settings.CASEHUB_NOTICE_BATCH):
        notice = send_one(now)
        if notice is None:
            break
        sent += notice.status == Notice.Status.SENT
        if time.monotonic() > deadline:
            break
    return sent


def broadcast_targets(filters: dict[str, str]):
    """The open cases a disruption hits."""
    cases = Case.objects.filter(state__in=OPEN_STATES)
    if filters.get("category"):
        cases = cases.filter(category=filters["category"])
    if filters.get("intent"):
        cases = cases.filter(context__intent=filters["intent"])
    if filters.get("state"):
        if filters["state"] not in OPEN_STATES:
            raise InvalidInput({"filter": {"state": [_("Give an open state.")]}})
        cases = cases.filter(state=filters["state"])
    return cases


@transaction.atomic
def broadcast(*, actor, filters: dict[str, str], message: str) -> Broadcast:
    """One notice to every open case the filter matches, written at once and sent by the
    notices job; the API's ``Idempotency-Key`` makes a retried request a no-op."""
    targets = list(broadcast_targets(filters).select_related("customer").order_by("pk"))
    sent = Broadcast.objects.create(
        author=actor, filter=filters, message=message, cases=len(targets)
    )
    Notice.objects.bulk_create(
        [_notice(case, Notice.Kind.BROADCAST, message, broadcast=sent) for case in targets],
        ignore_conflicts=True,
    )
    return sent
