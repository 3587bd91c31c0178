"""Compilation exports in the background (django-tasks): the job row shows progress, and
the file waits in it for the requester to download."""

import datetime
import logging

from django.conf import settings
from django.utils import timezone, translation
from django_tasks import task

from cases.models import OrgUnit
from reporting.access import may_compile
from reporting.models import ExportJob
from reporting.selectors.compilation import board_compilation, quality_chapter, year_scope
from reporting.selectors.tables import Scope
from reporting.services import exports

logger = logging.getLogger(__name__)


def start_export(user, params):
    """Queue an export for ``user``; ``params`` are the validated parameters, JSON-safe. The
    language of the request goes with them: the worker writes headings and numbers in it."""
    params = {**params, "language": params.get("language") or translation.get_language()}
    job = ExportJob.objects.create(requested_by=user, params=params)
    result = run_export.enqueue(str(job.pk))
    ExportJob.objects.filter(pk=job.pk, task_id="").update(task_id=result.id)
    job.refresh_from_db()
    return job


def scope_of(params):
    unit = OrgUnit.objects.get(pk=params["unit"])
    if params["kind"] == "quality_chapter":
        return year_scope(unit, params["year"], params["public"])
    return Scope(
        unit=unit,
        start=datetime.date.fromisoformat(params["from"]),
        end=datetime.date.fromisoformat(params["to"]),
        public=params["public"],
    )


def build(params, on_progress=None):
    scope = scope_of(params)
    if params["kind"] == "quality_chapter":
        return quality_chapter(scope, on_progress=on_progress)
    return board_compilation(scope, on_progress=on_progress)


class NoLongerAllowed(Exception):
    """The requester lost the right to this compilation after asking for it."""


@task()
def run_export(job_id):
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, progress=1)
    params = job.params

    def progress(done, total):
        # The last tenth is for rendering the file.
        ExportJob.objects.filter(pk=job.pk).update(progress=max(1, done * 90 // total))

    try:
        scope = scope_of(params)
        if not may_compile(job.requested_by, scope.unit, scope.public):
            raise NoLongerAllowed()
        with translation.override(params.get("language") or settings.LANGUAGE_CODE):
            compilation = build(params, on_progress=progress)
            content, content_type = exports.render(compilation, params["format"])
    except NoLongerAllowed:
        logger.warning(
            "Export %s refused: user %s may no longer compile unit %s",
            job.pk,
            job.requested_by_id,
            params.get("unit"),
        )
        return _failed(job, ExportJob.Failure.NOT_ALLOWED)
    except Exception:
        # The traceback goes to the operator's log under the job's id, which the requester
        # sees as the reference; the page says only what the requester can act on.
        logger.exception("Export %s failed", job.pk)
        return _failed(job, ExportJob.Failure.ERROR)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        progress=100,
        content=content,
        content_type=content_type,
        filename=exports.filename(compilation, params["format"]),
        finished_at=timezone.now(),
    )
    return "done"


def _failed(job, reason):
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.FAILED, failure=reason, finished_at=timezone.now()
    )
    return "failed"
