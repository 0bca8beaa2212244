from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo: seeding (``seed_demo``), running it (``rundemo``) and the benchmarks.

    Kept apart from the apps, so that no app depends on demo data or on another app's demo.
    """

    name = "casehub.demo"
    label = "demo"
    verbose_name = _("Demo")
