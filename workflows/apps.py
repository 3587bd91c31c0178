from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    """Who must act next, by when: viewflow flows, task inbox, legal clocks (issue 3)."""

    name = "workflows"
    verbose_name = _("Workflows")

    def ready(self):
        post_migrate.connect(_sync_after_migrate, sender=self)


def _sync_after_migrate(sender, using="default", **kwargs):
    from workflows.models import sync_step_clocks

    sync_step_clocks()
