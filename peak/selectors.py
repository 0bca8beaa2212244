"""Reads of the peak-season systems for the pages."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, Sum
from django.utils import timezone

from escalation.models import ContactChannel
from peak.models import Notice


def green_contact(*, since: datetime | None = None) -> dict[str, int]:
    """Notices sent since ``since`` (local midnight by default), the letters and calls they
    spared, and the green points they earned, in one statement."""
    if since is None:
        since = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    sent = Notice.objects.filter(status=Notice.Status.SENT, sent_at__gte=since)
    figures = sent.aggregate(
        notices=Count("pk"),
        electronic=Count("pk", filter=Q(green_points__gt=0)),
        paper_avoided=Count("pk", filter=Q(avoided=ContactChannel.PAPER)),
        calls_avoided=Count("pk", filter=Q(avoided=ContactChannel.PHONE)),
        points=Sum("green_points"),
    )
    return {key: value or 0 for key, value in figures.items()}
