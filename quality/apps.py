from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    default = True
    name = "quality"
    verbose_name = _("Quality checks")
    default_auto_field = "django.db.models.BigAutoField"
