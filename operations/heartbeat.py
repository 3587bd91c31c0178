"""The scheduler's heartbeat: a job of its own (``settings.SCHEDULER_JOBS``, last), so every
round that reaches its end writes the time. Two schedulers write the same row; either keeps
it fresh."""

from operations.models import Heartbeat

SCHEDULER = "scheduler"


def beat(now):
    Heartbeat.objects.update_or_create(name=SCHEDULER, defaults={"beat_at": now})
    return 0  # nothing to report in the scheduler's output


def age(name, now):
    """Seconds since ``name`` last beat, or None when it never did."""
    beat_at = Heartbeat.objects.filter(name=name).values_list("beat_at", flat=True).first()
    return None if beat_at is None else (now - beat_at).total_seconds()
