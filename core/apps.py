from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every CaseHub app builds on: errors, roles, live events, the API's shared parts."""

    default = True
    name = "core"
    verbose_name = _("Core")
    default_auto_field = "django.db.models.BigAutoField"


class CaseHubAppConfig(AppConfig):
    """An app whose Celery jobs (``<app>.jobs``) are registered in every process.

    Services queue jobs by name (``core.jobs``); registering them when Django starts lets the
    web process run them eagerly in tests and route them by their registered options.
    """

    def ready(self) -> None:
        import_module(f"{self.name}.jobs")
