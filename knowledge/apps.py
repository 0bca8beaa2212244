from django.utils.translation import gettext_lazy as _

from core.apps import CaseHubAppConfig


class KnowledgeConfig(CaseHubAppConfig):
    default = True
    name = "knowledge"
    verbose_name = _("Knowledge")
