from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Who hears what: e-mail and in-app messages reacting to domain events (issue 5)."""

    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from cases.events import case_event
        from notifications.rules import handle_case_event

        case_event.connect(handle_case_event, dispatch_uid="notifications.rules")
