"""The case every member of the cast meets, built lazily so a test pays only for the parts it uses."""

import contextlib
from functools import cached_property

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from cases.models import AuditEvent
from cases.services import (
    do_add_action,
    do_add_affected_person,
    do_add_attachment,
    do_add_cause,
    do_add_investigation_entry,
    do_decide_ivo_notification,
)
from tests.factories import file, walk_to

EVERYONE = ["reporter", "manager_a", "manager_b", "sas", "decision_maker", "dso", "outsider", "sas_other"]

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def png(name="foto.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def url(report_or_id, *parts):
    report_id = getattr(report_or_id, "pk", report_or_id)
    return "/api/v1/reports/" + "".join(f"{part}/" for part in (report_id, *parts))


@contextlib.contextmanager
def rolled_back():
    """Try something and undo it, so that every member of the cast meets the same case."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def audit_rows(chain=None):
    rows = AuditEvent.objects.all()
    return (rows.filter(chain=chain) if chain else rows).count()


class Case:
    """A case filed by ``reporter`` in unit A and walked to ``state``."""

    def __init__(self, cast, org, report_type, state):
        self.cast, self.org = cast, org
        self.report = walk_to(file(report_type, cast["reporter"], org.unit_a), state, cast)

    def having(self, *parts):
        """Make sure the case has these parts (person, cause, action, entry, attachment, notification)."""
        for part in parts:
            getattr(self, part)
        return self

    def another(self, part):
        """One more of ``part`` than the case has."""
        self.__dict__.pop(part, None)
        return getattr(self, part)

    @property
    def handler(self):
        return self.cast["dso" if self.report.type == "data_breach" else "sas"]

    @cached_property
    def person(self):
        return do_add_affected_person(
            self.report.pk, acting_user=self.handler, data={"name": "Brukare Ett", "role": "Brukare"}
        )

    @cached_property
    def cause(self):
        return do_add_cause(
            self.report.pk, acting_user=self.handler, data={"description": "Rutinen var okänd."}
        )

    @cached_property
    def action(self):
        """Owned by the reporter, who may update it without working on the case."""
        return do_add_action(
            self.report.pk,
            acting_user=self.handler,
            data={
                "description": "Gå igenom rutinen.",
                "kind": "corrective",
                "causes": [self.cause.pk],
                "owner": self.cast["reporter"].pk,
                "due_date": timezone.localdate().isoformat(),
            },
        )

    @cached_property
    def entry(self):
        return do_add_investigation_entry(
            self.report.pk,
            acting_user=self.handler,
            data={
                "text": "Personalen bekräftar händelsen.",
                "entry_date": timezone.localdate().isoformat(),
                "source": "Intervju",
                "nature": "fact",
            },
        )

    @cached_property
    def attachment(self):
        return do_add_attachment(self.report.pk, acting_user=self.handler, upload=png())

    @cached_property
    def notification(self):
        return do_decide_ivo_notification(
            self.report.pk, acting_user=self.cast["decision_maker"], data={"decision": "Anmäls till IVO."}
        )
