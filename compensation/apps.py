from django.utils.translation import gettext_lazy as _

from core.apps import CaseHubAppConfig


class CompensationConfig(CaseHubAppConfig):
    default = True
    name = "compensation"
    verbose_name = _("Compensation")
