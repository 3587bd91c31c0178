"""Importing historical reports from CSV: every row checked first, then all saved in one
transaction with an audit row per case and one for the file, or nothing saved at all.

Imported cases are history: no events are emitted (nobody is to be notified of a case
closed years ago) and no clocks are started."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import audit, importer
from cases.administration import reach
from cases.models import TYPE_MODELS, AffectedPerson, CaseNumberSequence
from cases.services.exceptions import ImportRejected
from cases.services.guard import service
from cases.services.reports import next_case_number

if TYPE_CHECKING:
    from cases.models import Report, User


IMPORTED_PERSON_ROLE = "import"


@service
def do_import_reports(raw: bytes, *, acting_user: User, filename: str = "") -> list[Report]:
    """Import every report in the CSV ``raw`` (bytes or text), or none. Returns the reports."""
    rows, errors = importer.parse(raw)
    if errors:
        raise ImportRejected(errors)
    scope = reach(acting_user)
    for row in rows:
        if not scope.has_unit(row["unit"]):
            raise PermissionDenied(
                _("You may not import reports for unit %(unit)s (line %(line)d).")
                % {"unit": row["unit"].pk, "line": row["line"]}
            )
    reports = [_save(row, acting_user) for row in rows]
    digest = hashlib.sha256(raw if isinstance(raw, bytes) else raw.encode()).hexdigest()
    audit.record(
        "reports.imported",
        actor=acting_user,
        payload={"count": len(reports), "file_sha256": digest, "report_ids": [r.pk for r in reports]},
    )
    return reports


def _save(row: dict[str, Any], acting_user: User) -> Report:
    unit = row["unit"]
    model = TYPE_MODELS[row["type"]]
    if row.get("case_number"):
        year, sequence, number = row["case_year"], row["case_sequence"], row["case_number"]
        CaseNumberSequence.objects.bulk_create(
            [CaseNumberSequence(namnd=unit.namnd, year=year)], ignore_conflicts=True
        )
        CaseNumberSequence.objects.filter(namnd=unit.namnd, year=year).update(
            last_number=Greatest(F("last_number"), sequence)
        )
    else:
        year = timezone.localtime(row["reported_at"]).year
        sequence = next_case_number(unit.namnd, year)
        number = f"{unit.namnd.case_number_prefix} {year}/{sequence:04d}"
    report = model(
        type=row["type"],
        state=row["state"],
        unit=unit,
        namnd=unit.namnd,
        description=row["description"],
        reported_at=row["reported_at"],
        occurred_at=row.get("occurred_at"),
        case_year=year,
        case_sequence=sequence,
        case_number=number,
        category=(row["category_terms"][0] if row["type"] == "deviation" and row["category_terms"] else None),
        complaint_kind=row.get("complaint_kind_term"),
        subject_area=row.get("subject_area_term"),
        probability=row.get("probability"),
        severity=row.get("severity"),
        risk_band=row.get("risk_band"),
        lex_sarah_assessment=row.get("lex_sarah_assessment") or "",
        decided_at=row.get("decided_at"),
        closed_at=row.get("closed_at"),
    )
    report.save(force_insert=True)
    if row["type"] == "lex_sarah" and row["category_terms"]:
        report.categories.set(row["category_terms"])
    if row["type"] == "data_breach" and row["category_terms"]:
        report.data_categories.set(row["category_terms"])
    if row.get("persons"):
        AffectedPerson.objects.bulk_create(
            [AffectedPerson(report=report, role=IMPORTED_PERSON_ROLE) for _i in range(row["persons"])]
        )
    audit.record(
        "report.imported",
        actor=acting_user,
        obj=report,
        report_id=report.pk,
        payload={"type": report.type, "case_number": report.case_number, "line": row["line"]},
    )
    return report
