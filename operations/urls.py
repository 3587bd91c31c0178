from django.urls import path
from health_check.views import HealthCheckView

from operations import metrics

CHECKS = [
    "operations.health.Database",
    "health_check.checks.Cache",  # asynchronous: the cache's own thread-sensitive calls
    "operations.health.TaskQueue",
    "operations.health.SchedulerHeartbeat",
    "operations.health.AuditChainHead",
]

urlpatterns = [
    path("health/", HealthCheckView.as_view(checks=CHECKS), name="health"),
    path("metrics", metrics.view, name="metrics"),
]
