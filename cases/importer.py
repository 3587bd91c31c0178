"""Reading historical reports from CSV, row by row (format: docs/import.md).

``parse`` checks every row and returns either the rows ready to save or every error found,
each with its line number in the file and the column it concerns. Saving is the service
``cases.services.do_import_reports``, all or nothing."""

import csv
import io
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms import plausible_time
from cases.models import (
    CLOSED_STATES,
    TYPE_MODELS,
    Action,
    DelegationDecision,
    LegalReference,
    OrgUnit,
    Regulator,
    RegulatorNotification,
    Report,
    ReportType,
    RiskBand,
    Term,
)
from lib.table import csv_delimiter

COLUMNS = [
    "type",
    "unit",
    "reported_at",
    "state",
    "description",
    "case_number",
    "occurred_at",
    "categories",
    "complaint_kind",
    "subject_area",
    "probability",
    "severity",
    "lex_sarah_assessment",
    "persons",
    "decided_at",
    "closed_at",
    "notification",
    "notification_decided_at",
    "notification_decided_by",
    "notified_at",
    "regulator_outcome",
    "regulator_outcome_at",
    "actions",
    "private_provider",
]
# The regulator a type is notified to, and the legal basis of the decision to notify or not.
REGULATORS = {
    ReportType.LEX_SARAH: (Regulator.IVO, "lex-sarah-anmalan"),
    ReportType.DATA_BREACH: (Regulator.IMY, "gdpr-33"),
    ReportType.LEX_MARIA: (Regulator.IVO, "lex-maria-anmalan"),
}
DECISION_KINDS = {
    (Regulator.IVO, True): DelegationDecision.Kind.NOTIFY_IVO,
    (Regulator.IVO, False): DelegationDecision.Kind.NOT_NOTIFY_IVO,
    (Regulator.IMY, True): DelegationDecision.Kind.NOTIFY_IMY,
    (Regulator.IMY, False): DelegationDecision.Kind.NOT_NOTIFY_IMY,
}
NOTIFIED_ONLY = ("notified_at", "regulator_outcome", "regulator_outcome_at")
# Columns that record decisions and actions, which need a person to be recorded by.
HISTORY_COLUMNS = ("notification", "actions")
REQUIRED_COLUMNS = ["type", "unit", "reported_at", "state", "description"]
CASE_NUMBER = re.compile(r"^(?P<prefix>\S+) (?P<year>\d{4})/(?P<sequence>\d{1,9})$")
DATETIME_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
CATEGORY_VOCABULARY = {
    ReportType.DEVIATION: Term.Vocabulary.DEVIATION_CATEGORY,
    ReportType.LEX_SARAH: Term.Vocabulary.LEX_SARAH_CATEGORY,
    ReportType.DATA_BREACH: Term.Vocabulary.BREACH_DATA_CATEGORY,
    ReportType.LEX_MARIA: Term.Vocabulary.LEX_MARIA_CATEGORY,
}


class LocalDateTimeField(forms.DateTimeField):
    """A date alone means noon that day, so that it never slips into the day before."""

    input_formats = ["%Y-%m-%d", *DATETIME_FORMATS]
    default_validators = [plausible_time]

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and isinstance(value, str) and len(value.strip()) == 10:
            result = result.replace(hour=12)
        return result


class ImportRowForm(forms.Form):
    type = forms.ChoiceField(choices=ReportType.choices)
    unit = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    reported_at = LocalDateTimeField()
    state = forms.CharField(max_length=30)
    description = forms.CharField(max_length=20000)
    case_number = forms.CharField(max_length=40, required=False)
    occurred_at = LocalDateTimeField(required=False)
    categories = forms.CharField(required=False, max_length=2000)
    complaint_kind = forms.CharField(required=False, max_length=60)
    subject_area = forms.CharField(required=False, max_length=60)
    probability = forms.IntegerField(required=False, min_value=1, max_value=4)
    severity = forms.IntegerField(required=False, min_value=1, max_value=4)
    lex_sarah_assessment = forms.ChoiceField(
        required=False, choices=[("", "")] + Report.LexSarahAssessment.choices
    )
    persons = forms.IntegerField(required=False, min_value=0, max_value=10000)
    decided_at = LocalDateTimeField(required=False)
    closed_at = LocalDateTimeField(required=False)
    notification = forms.ChoiceField(required=False, choices=[("", ""), ("yes", "yes"), ("no", "no")])
    notification_decided_at = LocalDateTimeField(required=False)
    notification_decided_by = forms.CharField(required=False, max_length=120)
    notified_at = LocalDateTimeField(required=False)
    regulator_outcome = forms.ChoiceField(
        required=False, choices=[("", "")] + RegulatorNotification.Outcome.choices
    )
    regulator_outcome_at = LocalDateTimeField(required=False)
    actions = forms.CharField(required=False, max_length=2000)
    private_provider = forms.ChoiceField(required=False, choices=[("", ""), ("yes", "yes"), ("no", "no")])

    def __init__(self, *args, lookups, **kwargs):
        self.lookups = lookups
        super().__init__(*args, **kwargs)

    def clean_unit(self):
        unit = self.lookups.unit(self.cleaned_data["unit"])
        if unit is None:
            raise forms.ValidationError(_("No unit in a board has this id."))
        return unit

    def clean(self):
        data = super().clean()
        report_type = data.get("type")
        now = timezone.now()
        for name in (
            "reported_at",
            "occurred_at",
            "decided_at",
            "closed_at",
            "notification_decided_at",
            "notified_at",
            "regulator_outcome_at",
        ):
            if data.get(name) and data[name] > now:
                self.add_error(name, _("The time cannot be in the future."))
        if report_type:
            self._clean_typed(data, report_type)
            self._clean_notification(data, report_type)
            self._clean_actions(data)
        risk_valid = "probability" not in self.errors and "severity" not in self.errors
        if risk_valid and (data.get("probability") is None) != (data.get("severity") is None):
            self.add_error(
                "severity" if data.get("severity") is None else "probability",
                _("Give both probability and severity, or neither."),
            )
        elif risk_valid and data.get("probability"):
            data["risk_band"] = RiskBand.for_score(
                data["probability"] * data["severity"], (data.get("reported_at") or now).date()
            )
        if data.get("private_provider") and data.get("unit"):
            private = self.lookups.is_private(data["unit"])
            if private != (data["private_provider"] == "yes"):
                self.add_error(
                    "private_provider",
                    _("The unit is marked as a private provider: mark it so in the file, or change the unit.")
                    if private
                    else _(
                        "The unit is not marked as a private provider: mark it in the administration first."
                    ),
                )
        if data.get("case_number") and data.get("unit") and data.get("reported_at"):
            self._clean_case_number(data)
        return data

    def _clean_typed(self, data, report_type):
        states = TYPE_MODELS[report_type].STATES
        if data.get("state") and data["state"] not in states:
            self.add_error(
                "state", _("Not a state of this type: use one of %(states)s.") % {"states": ", ".join(states)}
            )
        if (
            data.get("state") in CLOSED_STATES
            and not data.get("closed_at")
            and "closed_at" not in self.errors
        ):
            self.add_error("closed_at", _("A closed case needs the date it was closed."))
        codes = [c.strip() for c in (data.get("categories") or "").split(";") if c.strip()]
        board_id = data["unit"].namnd_id if data.get("unit") else None
        data["category_terms"] = []
        if codes:
            vocabulary = CATEGORY_VOCABULARY.get(report_type)
            if vocabulary is None:
                self.add_error("categories", _("This type has no categories."))
            elif report_type == ReportType.DEVIATION and len(codes) > 1:
                self.add_error("categories", _("A deviation has one category."))
            else:
                terms = [self.lookups.term(vocabulary, code, board_id) for code in codes]
                unknown = [code for code, found in zip(codes, terms, strict=True) if found is None]
                if unknown:
                    self.add_error(
                        "categories", _("Unknown category code: %(codes)s.") % {"codes": ", ".join(unknown)}
                    )
                data["category_terms"] = [t for t in terms if t is not None]
        for name, vocabulary in (
            ("complaint_kind", Term.Vocabulary.COMPLAINT_KIND),
            ("subject_area", Term.Vocabulary.SUBJECT_AREA),
        ):
            code = data.get(name)
            if code and report_type != ReportType.COMPLAINT:
                self.add_error(name, _("Only complaints and feedback have this."))
            elif code:
                data[f"{name}_term"] = self.lookups.term(vocabulary, code, board_id)
                if data[f"{name}_term"] is None:
                    self.add_error(name, _("Unknown code."))
        # A complaint whose kind was never recorded is history as it was: it is imported with
        # no kind and counted under "Not stated" (the live form still requires the kind).
        if data.get("lex_sarah_assessment") and report_type != ReportType.LEX_SARAH:
            self.add_error("lex_sarah_assessment", _("Only lex Sarah reports have this."))

    def _clean_notification(self, data, report_type):
        """The decision to notify the regulator or not (IVO for lex Sarah, IMY for a breach),
        and when notified, the regulator's outcome: each given only where it can be."""
        decision = data.get("notification")
        if not decision:
            for name in ("notification_decided_at", "notification_decided_by", *NOTIFIED_ONLY):
                if data.get(name):
                    self.add_error(name, _("Give the column notification (yes or no) as well."))
            return
        if report_type not in REGULATORS:
            self.add_error(
                "notification",
                _("Only lex Sarah reports (to IVO) and personal data breaches (to IMY) are notified."),
            )
            return
        regulator, legal_code = REGULATORS[report_type]
        data["regulator"] = regulator
        decided_at = data.get("notification_decided_at")
        if not decided_at:
            if "notification_decided_at" not in self.errors:
                self.add_error("notification_decided_at", _("Give the date of the decision."))
            return
        data["legal_reference"] = self.lookups.legal(legal_code, timezone.localtime(decided_at).date())
        if data["legal_reference"] is None:
            self.add_error("notification", _("No legal basis with the code %(code)s.") % {"code": legal_code})
        if decision == "no":
            for name in NOTIFIED_ONLY:
                if data.get(name):
                    self.add_error(name, _("Only a notification that was made has this."))
            return
        notified_at = data.get("notified_at")
        if notified_at and notified_at < decided_at:
            self.add_error("notified_at", _("The notification cannot come before the decision."))
        outcome, outcome_at = data.get("regulator_outcome"), data.get("regulator_outcome_at")
        if outcome and not outcome_at and "regulator_outcome_at" not in self.errors:
            self.add_error("regulator_outcome_at", _("Give the date of the regulator's decision."))
        elif outcome_at and not outcome:
            self.add_error("regulator_outcome", _("Give the regulator's decision as well."))
        elif outcome and outcome_at < (notified_at or decided_at):
            self.add_error("regulator_outcome_at", _("The regulator cannot decide before the notification."))

    def _clean_actions(self, data):
        """Statuses separated by ``;``, one per action. An action not done stays open, so its
        owner would be reminded of it: only a closed case may bring one."""
        statuses = [s.strip() for s in (data.get("actions") or "").split(";") if s.strip()]
        unknown = [s for s in statuses if s not in Action.Status.values]
        if unknown:
            self.add_error(
                "actions",
                _("Unknown status %(statuses)s: use %(known)s.")
                % {"statuses": ", ".join(unknown), "known": ", ".join(Action.Status.values)},
            )
        elif data.get("state") and data["state"] not in CLOSED_STATES and any(s != "done" for s in statuses):
            self.add_error(
                "actions",
                _(
                    "An action not done can only be imported on a closed case (its owner would be reminded of it)."
                ),
            )
        data["action_statuses"] = statuses

    def _clean_case_number(self, data):
        match = CASE_NUMBER.match(data["case_number"].strip())
        unit = data["unit"]
        if not match or match["prefix"] != unit.namnd.case_number_prefix:
            self.add_error(
                "case_number",
                _("Write it as %(example)s, with the board's prefix.")
                % {"example": f"{unit.namnd.case_number_prefix} 2024/0012"},
            )
            return
        data["case_year"], data["case_sequence"] = int(match["year"]), int(match["sequence"])
        data["case_number"] = (
            f"{unit.namnd.case_number_prefix} {data['case_year']}/{data['case_sequence']:04d}"
        )
        if self.lookups.case_number_taken(
            unit.namnd_id, data["case_year"], data["case_sequence"], data["case_number"]
        ):
            self.add_error("case_number", _("This case number is already used."))


class Lookups:
    """Reference data read once per file, and case numbers seen so far in it."""

    def __init__(self):
        self.units = {
            u.pk: u
            for u in OrgUnit.objects.filter(namnd__isnull=False)
            .exclude(kind=OrgUnit.Kind.MUNICIPALITY)
            .select_related("namnd")
        }
        self.terms = {(t.vocabulary, t.code, t.board_id): t for t in Term.objects.all()}
        self.legal_references = list(LegalReference.objects.order_by("-valid_from"))
        self.seen = set()

    def is_private(self, unit):
        """Whether care at ``unit`` is private provision: the unit, or a unit above it in its
        board, is marked as a private provider (as the compilations read it)."""
        ids = [int(p) for p in unit.path.strip("/").split("/")]
        return any(self.units[pk].is_private_provider for pk in ids if pk in self.units)

    def legal(self, code, day):
        """The legal basis with ``code`` valid on ``day``, else its earliest version (history
        older than the reference data)."""
        versions = [r for r in self.legal_references if r.code == code]
        for ref in versions:
            if ref.valid_from <= day and (ref.valid_to is None or day <= ref.valid_to):
                return ref
        return versions[-1] if versions else None

    def unit(self, pk):
        return self.units.get(pk)

    def term(self, vocabulary, code, board_id):
        """A shared term, or one of the case's board: never another board's."""
        return self.terms.get((vocabulary, code, None)) or self.terms.get((vocabulary, code, board_id))

    def case_number_taken(self, namnd_id, year, sequence, number):
        key = (namnd_id, year, sequence)
        if key in self.seen:
            return True
        self.seen.add(key)
        return (
            Report.objects.filter(case_number=number).exists()
            or Report.objects.filter(namnd_id=namnd_id, case_year=year, case_sequence=sequence).exists()
        )


# A byte that is not UTF-8 is decoded to a lone surrogate (``surrogateescape``), so that the
# file is read whole and each such byte is reported with its line and column; a text given as
# ``str`` may hold lone surrogates of its own, which are refused the same way.
NOT_TEXT = re.compile("[\ud800-\udfff]")


def decode(raw):
    return raw.decode("utf-8-sig", errors="surrogateescape") if isinstance(raw, bytes) else raw


def _rows(reader):
    """``(line, values, error)`` per record; a record the csv module cannot read (a field beyond
    its size limit) is an error on its line, and reading goes on with the next."""
    line = reader.line_num
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield (
                line + 1,
                None,
                str(_("A field is longer than %(limit)d characters.") % {"limit": csv.field_size_limit()}),
            )
        else:
            yield line + 1, values, None
        line = reader.line_num


def _not_text(line, columns):
    return [
        {"line": line, "column": column, "message": str(_("This is not UTF-8 text: save the file as UTF-8."))}
        for column, value in columns
        if NOT_TEXT.search(value)
    ]


def parse(raw):
    """``(rows, errors)``: each row the cleaned data with its ``line``; each error a dict
    ``{"line", "column", "message"}``. Line 1 is the header."""
    text = decode(raw)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return [], [{"line": 1, "column": "", "message": str(_("The file is empty."))}]
    except csv.Error:
        return [], [{"line": 1, "column": "", "message": str(_("The header cannot be read as CSV."))}]
    errors = _not_text(1, ((str(i + 1), h) for i, h in enumerate(header)))
    if errors:
        return [], errors
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    for name in unknown:
        errors.append({"line": 1, "column": name, "message": str(_("Unknown column."))})
    for name in missing:
        errors.append({"line": 1, "column": name, "message": str(_("This column is required."))})
    if errors:
        return [], errors
    lookups = Lookups()
    rows = []
    for start, values, error in _rows(reader):
        if error is not None:
            errors.append({"line": start, "column": "", "message": error})
            continue
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            errors.append(
                {
                    "line": start,
                    "column": "",
                    "message": str(
                        _("The row has %(found)d fields; the header has %(expected)d.")
                        % {"found": len(values), "expected": len(header)}
                    ),
                }
            )
            continue
        unreadable = _not_text(start, zip(header, values, strict=True))
        if unreadable:
            errors.extend(unreadable)
            continue
        form = ImportRowForm(
            data={k: v.strip() for k, v in zip(header, values, strict=True)}, lookups=lookups
        )
        if not form.is_valid():
            for column, messages in form.errors.items():
                for message in messages:
                    errors.append(
                        {"line": start, "column": "" if column == "__all__" else column, "message": message}
                    )
            continue
        rows.append({**form.cleaned_data, "line": start})
    if not rows and not errors:
        errors.append({"line": 2, "column": "", "message": str(_("The file has no rows."))})
    return rows, errors


def missing_recorder(rows):
    """Errors for the rows that record decisions or actions when nobody imports the file: they
    are recorded in the name of the administrator who imports (``--user``)."""
    return [
        {
            "line": row["line"],
            "column": column,
            "message": str(_("Decisions and actions need an administrator to record them: give --user.")),
        }
        for row in rows
        for column in HISTORY_COLUMNS
        if row.get(column)
    ]


def save_history(report, row, user):
    """The regulator notification and the actions of an imported case, recorded by ``user``
    (the administrator who imports; the delegate's title comes from the file). Returns what was
    recorded, for the audit row."""
    recorded = {}
    if row.get("notification"):
        regulator, notify = row["regulator"], row["notification"] == "yes"
        DelegationDecision.objects.create(
            report=report,
            kind=DECISION_KINDS[(regulator, notify)],
            delegate=user,
            delegate_name="",
            delegate_title=row.get("notification_decided_by") or "",
            legal_reference=row["legal_reference"],
            decided_at=row["notification_decided_at"],
            summary=str(_("Imported history.")),
        )
        recorded["notification"] = {"regulator": regulator, "notified": notify}
        if notify:
            outcome_at = row.get("regulator_outcome_at")
            state = (
                "regulator_decided"
                if row.get("regulator_outcome")
                else ("submitted" if row.get("notified_at") else "decided")
            )
            RegulatorNotification.objects.create(
                report=report,
                regulator=regulator,
                state=state,
                decided_at=row["notification_decided_at"],
                decided_by=user,
                submitted_at=row.get("notified_at"),
                outcome=row.get("regulator_outcome") or "",
                outcome_at=timezone.localtime(outcome_at).date() if outcome_at else None,
            )
            recorded["notification"]["outcome"] = row.get("regulator_outcome") or ""
    statuses = row.get("action_statuses") or []
    if statuses:
        due = timezone.localtime(row.get("closed_at") or row["reported_at"]).date()
        Action.objects.bulk_create(
            [
                Action(
                    report=report,
                    description=str(_("Action recorded in the imported history.")),
                    kind=Action.Kind.CORRECTIVE,
                    owner=user,
                    due_date=due,
                    status=status,
                    done_at=(row.get("closed_at") or row["reported_at"]) if status == "done" else None,
                    created_by=user,
                )
                for status in statuses
            ]
        )
        recorded["actions"] = statuses
    return recorded


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def export_csv(reports, lookups=None, delimiter=None):
    """The cases as a file in the import's format (every column), the inverse of ``parse``:
    importing it into a database with the same organisation and reference data gives the same
    cases as far as the compilations count them (tested as a round trip). Times are local, to
    the minute; persons are counted, never named. Separated as the active language's CSV is
    (``;`` in Swedish, ``,`` in English) unless ``delimiter`` says otherwise; ``parse`` reads both."""

    lookups = lookups or Lookups()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter or csv_delimiter())
    writer.writerow(COLUMNS)
    for report in reports:
        if report.type == ReportType.DEVIATION:
            categories = [report.category.code] if report.category_id else []
        elif report.type == ReportType.DATA_BREACH:
            categories = [t.code for t in report.data_categories.all()]
        else:
            categories = [t.code for t in report.categories.all()]
        regulator = REGULATORS.get(report.type, (None,))[0]
        kinds = [DECISION_KINDS[(regulator, True)], DECISION_KINDS[(regulator, False)]] if regulator else []
        decision = report.delegation_decisions.filter(kind__in=kinds).order_by("pk").first()
        notification = report.regulator_notifications.filter(regulator=regulator).order_by("pk").first()
        values = {
            "type": report.type,
            "unit": report.unit_id,
            "reported_at": _local(report.reported_at),
            "state": report.state,
            "description": report.description,
            "case_number": report.case_number,
            "occurred_at": _local(report.occurred_at),
            "categories": ";".join(categories),
            "complaint_kind": report.complaint_kind.code if report.complaint_kind_id else "",
            "subject_area": report.subject_area.code if report.subject_area_id else "",
            "probability": report.probability or "",
            "severity": report.severity or "",
            "lex_sarah_assessment": report.lex_sarah_assessment,
            "persons": report.persons.count() or "",
            "decided_at": _local(report.decided_at),
            "closed_at": _local(report.closed_at),
            "notification": "",
            "notification_decided_at": "",
            "notification_decided_by": "",
            "notified_at": "",
            "regulator_outcome": "",
            "regulator_outcome_at": "",
            "actions": ";".join(a.status for a in report.actions.order_by("pk")),
            "private_provider": "yes" if lookups.is_private(lookups.unit(report.unit_id)) else "no",
        }
        if decision is not None:
            notify = decision.kind in (DelegationDecision.Kind.NOTIFY_IVO, DelegationDecision.Kind.NOTIFY_IMY)
            values.update(
                notification="yes" if notify else "no",
                notification_decided_at=_local(decision.decided_at),
                notification_decided_by=decision.delegate_title,
            )
            if notify and notification is not None:
                values.update(
                    notified_at=_local(notification.submitted_at),
                    regulator_outcome=notification.outcome,
                    regulator_outcome_at=notification.outcome_at.isoformat()
                    if notification.outcome_at
                    else "",
                )
        writer.writerow([values[column] for column in COLUMNS])
    return out.getvalue()
