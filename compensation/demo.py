"""Demo data of the compensation app, called by manage.py seed_demo."""


def seed(stdout=None) -> None:
    """Nothing of this app to seed yet."""
