from django.utils.translation import gettext_lazy as _

from core.apps import CaseHubAppConfig


class EscalationConfig(CaseHubAppConfig):
    default = True
    name = "escalation"
    verbose_name = _("Escalation")
