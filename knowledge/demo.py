"""Demo data of the knowledge app, called by manage.py seed_demo."""


def seed(stdout=None) -> None:
    """Nothing of this app to seed yet."""
