"""The reporting app's configuration (label ``reporting``)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Compilations, statistics, exports and regulator documents (docs/compilations.md)."""

    name = "reporting"
    label = "reporting"
    verbose_name = _("Reporting")

    def ready(self):
        # Reporting's handlers of the floor's hooks (docs/architecture.md, Hooks).
        from reporting import handlers

        handlers.register()
