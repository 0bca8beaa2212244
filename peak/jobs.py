"""Periodic peak-season jobs (Celery beat; schedule in settings' peak block)."""

from celery import shared_task

from peak import forecast, notices, surges


@shared_task(name="peak.check_surges")
def check_surges() -> dict:
    """Open and close surges; safe to run in several workers at once."""
    outcome = surges.check()
    return {
        "opened": [surge.pk for surge in outcome.opened],
        "closed": [surge.pk for surge in outcome.closed],
        "updated": outcome.updated,
    }


@shared_task(name="peak.send_notices")
def send_notices() -> dict:
    """Write the notices of new case events and send what is due; safe in several workers."""
    return {"written": notices.collect(), "sent": notices.send_due()}


@shared_task(name="peak.refresh_forecast")
def refresh_forecast() -> dict:
    """Forecast every category again from the current hour; repeating it replaces, never adds."""
    return {"categories": forecast.refresh()}
