from django.utils.translation import gettext_lazy as _

from core.apps import CaseHubAppConfig


class TeamConfig(CaseHubAppConfig):
    default = True
    name = "team"
    verbose_name = _("Badges and points")

    def ready(self) -> None:
        super().ready()
        from escalation.signals import case_events_recorded
        from team import receivers

        case_events_recorded.connect(receivers.case_events_recorded, dispatch_uid="team.awards")
