"""Periodic peak-season jobs (Celery beat; schedule in settings' peak block)."""

from celery import shared_task

from peak import surges


@shared_task(name="peak.check_surges")
def check_surges() -> dict:
    """Open and close surges; safe to run in several workers at once."""
    outcome = surges.check()
    return {
        "opened": [surge.pk for surge in outcome.opened],
        "closed": [surge.pk for surge in outcome.closed],
        "updated": outcome.updated,
    }
