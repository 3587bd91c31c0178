"""Closed cases of a given age, and a board's rules, for the records tests."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import CaseMessage, Report
from cases.services import (
    do_add_affected_person,
    do_add_attachment,
    do_add_investigation_entry,
    do_give_reporter_feedback,
)
from records.defaults import seed_example_rules
from records.models import RetentionRule
from tests.factories import file, walk_to

SECRET = "Brukaren Greta Hemlig föll i badrummet"


def example_rules(org):
    for board in (org.sn, org.on):
        seed_example_rules(board, RetentionRule)


def years_ago(years, days=0):
    now = timezone.now()
    return now.replace(year=now.year - years) - datetime.timedelta(days=days)


def closed_case(report_type, cast, org, *, closed_at, content=False):
    """A case of ``report_type`` in unit A walked to closed, its closure moved to ``closed_at``."""
    report = file(report_type, cast["reporter"], org.unit_a, description=f"{SECRET} ({report_type})")
    if content:
        handler = cast["manager_a"] if report_type != "data_breach" else cast["dso"]
        do_add_affected_person(
            report.pk,
            acting_user=cast["reporter"],
            data={"name": "Greta Hemlig", "personnummer": "19121212-1212", "role": "brukare"},
        )
        do_add_attachment(
            report.pk,
            acting_user=cast["reporter"],
            upload=SimpleUploadedFile("bild.pdf", b"%PDF-1.4\n%hemlig\n", content_type="application/pdf"),
        )
        do_add_investigation_entry(
            report.pk,
            acting_user=handler,
            data={
                "text": f"{SECRET}: intervju",
                "entry_date": timezone.localdate(),
                "source": "Intervju",
                "nature": "fact",
            },
        )
        do_give_reporter_feedback(report.pk, acting_user=handler, data={"text": f"{SECRET}: återkoppling"})
    report = walk_to(Report.objects.get(pk=report.pk).typed(), None, cast)
    Report.objects.filter(pk=report.pk).update(closed_at=closed_at)
    return Report.objects.get(pk=report.pk)


def messages_of(report):
    return CaseMessage.objects.filter(report=report)
