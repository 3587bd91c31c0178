from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    """Who must act next, by when: viewflow flows, task inbox, legal clocks (issue 3)."""

    name = "workflows"
    verbose_name = _("Workflows")
