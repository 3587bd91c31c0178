"""Prometheus metrics with the Prometheus project's own client (prometheus-client):

* ``http_request_duration_seconds`` (histogram; method, the view's name, status code): every
  request, by ``MetricsMiddleware``; the view's name, never the path, so that no case id or
  token reaches a label;
* ``case_transitions_total`` (counter; the transition, e.g. ``report.assess``) and
  ``case_clock_events_total`` (counter; e.g. ``clock.overdue``): from the domain events the
  outbox delivers after each commit (``cases.events.case_event``; delivered at least once, so
  an event delivered again after a lost commit counts again);
* read from the database at each scrape: ``case_clocks_overdue`` (running legal clocks past
  their due time, by clock) and ``task_queue_depth`` (background tasks waiting, by queue:
  the database backend's table, or the RQ queues in Redis).

Several gunicorn workers: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by
the workers (and the worker and scheduler processes on the same host), as prometheus-client
prescribes; the endpoint then adds up every process's counters. ``METRICS_TOKEN``, when set,
is required as ``Authorization: Bearer <token>``; the figures are counts, never case content.
"""

import hmac
import os
import time

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

REQUEST_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer a request, by method, view and status.",
    ["method", "view", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TRANSITIONS = Counter("case_transitions_total", "Transitions of cases, by transition.", ["transition"])
CLOCK_EVENTS = Counter("case_clock_events_total", "Events of the legal clocks, by kind.", ["event"])


def count_case_event(sender, *, name, data=None, **kwargs):
    """A receiver of ``case_event``: counts, never fails, reads nothing."""
    if name.startswith("clock."):
        CLOCK_EVENTS.labels(event=name).inc()
    elif name.startswith("report.") and isinstance(data, dict) and "target" in data:
        TRANSITIONS.labels(transition=name).inc()


class DatabaseCollector:
    """Gauges read from the database when Prometheus scrapes."""

    def collect(self):
        from cases.models import CaseClock

        overdue = GaugeMetricFamily(
            "case_clocks_overdue", "Running legal clocks past their due time, by clock.", labels=["clock"]
        )
        now = timezone.now()
        rows = (
            CaseClock.objects.filter(stopped_at__isnull=True, due_at__lt=now)
            .values_list("code")
            .annotate(n=Count("pk"))
            .order_by("code")
        )
        for code, n in rows:
            overdue.add_metric([code], n)
        yield overdue
        depth = GaugeMetricFamily("task_queue_depth", "Background tasks waiting, by queue.", labels=["queue"])
        for queue, n in queue_depths().items():
            depth.add_metric([queue], n)
        yield depth


def queue_depths():
    if settings.TASKS_BACKEND == "rq":
        import django_rq

        return {name: len(django_rq.get_queue(name)) for name in settings.RQ_QUEUES}
    from django_tasks_db.models import DBTaskResult

    depths = dict.fromkeys(settings.TASK_QUEUES, 0)
    for queue, n in DBTaskResult.objects.ready().values_list("queue_name").annotate(n=Count("pk")).order_by():
        depths[queue] = n
    return depths


def registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        combined.register(DatabaseCollector())
        return combined
    return _LOCAL


def _local():
    from prometheus_client import REGISTRY

    local = CollectorRegistry()
    for collector in (REGISTRY, DatabaseCollector()):
        local.register(collector)
    return local


_LOCAL = _local()


def view(request):
    token = settings.METRICS_TOKEN
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return HttpResponse(status=401, headers={"WWW-Authenticate": "Bearer"})
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """The request's latency into ``http_request_duration_seconds``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view_name = (match.view_name or match._func_path) if match else "unresolved"
        REQUEST_LATENCY.labels(
            method=request.method, view=view_name, status=str(response.status_code)
        ).observe(time.perf_counter() - started)
        return response
