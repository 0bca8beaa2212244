"""Demo data for the peak-season systems: a wave of one kind of contact, caught as a surge."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from escalation.services import case_intake
from peak import forecast, surges
from peak.models import Surge

#: The wave: parcels stuck since a depot closed, more than the hour ever sees.
WAVE = ("delivery", "parcel_stuck")
WAVE_SIZE = 24
TITLES = (
    "Parcel stuck in transit for a week",
    "快递一周没有更新",
    "Where is my fridge?",
    "Parcel stuck in transit for a week",
    "快递一周没有更新",
    "Parcel stuck in transit for a week",
)


def seed(stdout) -> None:
    if not Surge.objects.exists():
        seed_wave(stdout)
    # The hourly job's first run is an hour away: the war report has a forecast at once.
    stdout.write(f"peak: forecast for {forecast.refresh()} categories")


def seed_wave(stdout) -> None:
    frontline = get_user_model().objects.get(username="frontline")
    category, intent = WAVE
    for index in range(WAVE_SIZE):
        case_intake(
            actor=frontline,
            title=TITLES[index % len(TITLES)],
            channel=("app", "chat", "phone")[index % 3],
            category=category,
            priority="P3",
            customer={
                "external_id": f"W-{10000 + index}",
                "name": f"波峰客户{index}",
                "tier": "standard",
                "preferences": {"channels": ["app", "sms"], "electronic_only": index % 2 == 0},
            },
            context={"intent": intent, "bot_transcript": "user: 我的快递在哪里？"},
        )
    opened = surges.check().opened
    stdout.write(
        f"peak: a wave of {WAVE_SIZE} {category}/{intent} contacts, {len(opened)} surge open"
    )
