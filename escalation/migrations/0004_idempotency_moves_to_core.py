# The idempotency table now belongs to the core app (same table): state only.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0003_task_groups"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyRecord")],
            database_operations=[],
        ),
    ]
