"""Reads of badges and points: an officer's own, and the leaderboard."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from team.badges import badge_name
from team.models import BadgeAward, PointsEntry

#: The leaderboard's periods; each starts at local midnight (of today, this week's Monday,
#: the first of this month), ``all`` never.
PERIODS = ("today", "week", "month", "all")
DEFAULT_PERIOD = "week"
LEADERBOARD_SIZE = 20


def badges_and_points(user_ids) -> dict[int, dict[str, Any]]:
    """``{user_id: {"badges": [{"code", "name", "awarded_at", "case"}, …], "points": int}}``,
    newest badge first, in one statement. Points are the sum of the officer's ledger."""
    result: dict[int, dict[str, Any]] = {
        user_id: {"badges": [], "points": 0} for user_id in user_ids
    }
    rows = (
        BadgeAward.objects.filter(user_id__in=list(result))
        .order_by("-awarded_at", "-pk")
        .values_list(
            "user_id", "badge__code", "badge__name", "awarded_at", "case_id", "points_entry__points"
        )
    )
    for user_id, code, name, awarded_at, case_id, points in rows:
        mine = result[user_id]
        mine["badges"].append(
            {
                "code": code,
                "name": badge_name(code, name),
                "awarded_at": awarded_at,
                "case": case_id,
            }
        )
        mine["points"] += points or 0
    return result


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    local = timezone.localtime(now or timezone.now())
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "today":
        return midnight
    if period == "week":
        return midnight - timedelta(days=midnight.weekday())
    if period == "month":
        return midnight.replace(day=1)
    return None


def leaderboard(period: str = DEFAULT_PERIOD, *, limit: int = LEADERBOARD_SIZE) -> list[dict]:
    """The officers with most points earned in the period, in one statement:
    ``[{"username", "display_name", "points", "badges", "rank"}]``. Equal points share a rank
    (1, 2, 2, 4); among them names sort alphabetically."""
    entries = PointsEntry.objects.all()
    start = period_start(period)
    if start is not None:
        entries = entries.filter(created_at__gte=start)
    rows = (
        entries.values("user_id", "user__username", "user__first_name", "user__last_name")
        .annotate(total=Sum("points"), count=Count("pk"))
        .order_by("-total", "user__username")[:limit]
    )
    board: list[dict] = []
    for position, row in enumerate(rows, start=1):
        tied = board and board[-1]["points"] == row["total"]
        full_name = f"{row['user__first_name']} {row['user__last_name']}".strip()
        board.append(
            {
                "username": row["user__username"],
                "display_name": full_name or row["user__username"],
                "points": row["total"],
                "badges": row["count"],
                "rank": board[-1]["rank"] if tied else position,
            }
        )
    return board
