from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    """Who must act next, by when: viewflow flows, task inbox, legal clocks (issue 3)."""

    name = "workflows"
    verbose_name = _("Workflows")

    def ready(self):
        post_migrate.connect(_sync_after_migrate, sender=self)
        _register_hooks()


def _register_hooks():
    """The workflow's handlers of the domain floor's hooks (``cases.events``): the tasks move
    with the case, inside the change's transaction (docs/architecture.md, Hooks)."""
    from cases import events
    from workflows import bridge, services

    events.workflow_start.register(bridge.start)
    events.workflow_after_transition.register(bridge.after_transition)
    events.workflow_after_notification_decided.register(bridge.after_notification_decided)
    events.workflow_after_notification_transition.register(bridge.after_notification_transition)
    events.workflow_cancel.register(bridge.cancel)
    events.workflow_reopen.register(bridge.reopen)
    events.release_tasks.register(services.release_tasks_held_without_right)


def _sync_after_migrate(sender, using="default", **kwargs):
    from workflows.models import sync_step_clocks

    sync_step_clocks()
