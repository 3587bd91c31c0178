"""Export retention: a compilation file made in the background waits in its ``ExportJob`` row
for the requester to download it, and is deleted with the row ``EXPORT_RETENTION_DAYS`` days
after it was requested (default 30). The exports hold case data (internal versions name case
numbers), so they are not kept longer than the requester needs them."""

import datetime

from django.conf import settings
from django.db import transaction

from cases import audit
from reporting.models import ExportJob


def prune_exports(now):
    """The scheduler's job: delete the exports requested before the retention period, with
    one audit row listing them. Returns how many were deleted."""
    cutoff = now - datetime.timedelta(days=settings.EXPORT_RETENTION_DAYS)
    with transaction.atomic():
        old = list(
            ExportJob.objects.select_for_update()
            .filter(created_at__lt=cutoff)
            .order_by("created_at")
            .values_list("pk", "status")
        )
        if not old:
            return 0
        ExportJob.objects.filter(pk__in=[pk for pk, _status in old]).delete()
        audit.record(
            "exports.pruned",
            payload={
                "by": "scheduler",
                "cutoff": cutoff.isoformat(),
                "retention_days": settings.EXPORT_RETENTION_DAYS,
                "count": len(old),
                "exports": [str(pk) for pk, _status in old],
            },
        )
    return len(old)
