"""Celery jobs of badges and points (schedule in settings' team block)."""

from celery import shared_task

from team import awards


@shared_task(name="team.evaluate_officer")
def evaluate_officer(user_id: int) -> list[int]:
    """Award the officer what a just-committed resolution or praise earned."""
    return [award.pk for award in awards.evaluate_officers([user_id])]


@shared_task(name="team.catch_up")
def catch_up() -> list[int]:
    """Award what the at-once evaluations missed; idempotent, safe in several workers."""
    return [award.pk for award in awards.catch_up()]
