from django.utils.translation import gettext_lazy as _

from core.apps import CaseHubAppConfig


class EscalationConfig(CaseHubAppConfig):
    default = True
    name = "escalation"
    verbose_name = _("Escalation")

    def ready(self) -> None:
        super().ready()
        # Signing in and out moves an officer onto and off the floor; the assignment
        # policy's cache is dropped when an admin edits it.
        from escalation import floor  # noqa: F401
