from django.utils.translation import gettext_lazy as _

from core.apps import CaseHubAppConfig


class PeakConfig(CaseHubAppConfig):
    default = True
    name = "peak"
    verbose_name = _("Peak season")
