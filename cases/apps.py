from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from cases import events, reference_cache
        from cases.models import RiskBand, RiskRoutingRule, Term

        reference_cache.connect(RiskBand, RiskRoutingRule, Term)
        checks.register(events.check_hooks)
