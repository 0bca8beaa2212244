"""One badge per rule, with the demo's points and thresholds (editable in the admin)."""

from django.db import migrations

BADGES = [
    ("p1_within_sla", "P1 within SLA", "A P1 case resolved within its resolution SLA.", 20, 1),
    ("praise", "Customer praise", "A customer praised the handling of a case.", 15, 1),
    (
        "first_contact_day",
        "First-contact day",
        "Several cases resolved at first contact in one day.",
        25,
        5,
    ),
    ("clean_streak", "Clean streak", "Resolutions in a row without an SLA breach.", 30, 10),
]


def seed(apps, schema_editor):
    Badge = apps.get_model("team", "Badge")
    for code, name, description, points, threshold in BADGES:
        Badge.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "points": points,
                "threshold": threshold,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("team", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
