"""People as the OpenAPI examples of every app show them (``{"id", "username", "display_name"}``)."""

OFFICER = {"id": 7, "username": "officer2", "display_name": "Li Wei"}
SUPERVISOR = {"id": 3, "username": "supervisor", "display_name": "Zhang Min"}
