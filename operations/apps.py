from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.events import case_event
        from operations import metrics

        case_event.connect(metrics.count_case_event, dispatch_uid="operations.metrics")
