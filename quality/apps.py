"""The quality room: control charts and signals, lead times (issue 19)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "quality"
    label = "quality"
    verbose_name = _("Quality: signals and follow-up")

    def ready(self):
        from cases import inbox_extras
        from quality.compilation import (
            clock_shares,
            control_charts,
            lead_times,
            risks_by_level,
            signal_analyses,
        )
        from quality.inbox import quality_items
        from reporting.selectors import tables

        inbox_extras.register(quality_items)
        tables.register(control_charts)
        tables.register(signal_analyses)
        tables.register(lead_times)
        tables.register(clock_shares)
        tables.register(risks_by_level)
