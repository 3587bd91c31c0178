"""The document sent to a regulator, built from case data and minimised: what is sent
becomes a public document at the regulator, so it names no affected person.

IVO: the content of the lex Sarah blankett (SOSFS 2011:5 bilaga). IMY: GDPR art. 33(3) and
IMY's questions. The structure is frozen with its SHA-256 when recorded as submitted.
"""

from django.utils import timezone

from cases.models import Regulator, Report


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def _ivo(report, notification):
    board = report.namnd
    return {
        "form": "IVO anmälan enligt lex Sarah",
        "sender_case_number": report.case_number,
        "concerns": ("allvarligt_missforhallande"
                     if report.lex_sarah_assessment == Report.LexSarahAssessment.MISSFORHALLANDE
                     else "pataglig_risk_for_allvarligt_missforhallande"),
        "notifying_body": {
            "kind": "enskild_verksamhet" if report.unit.is_private_provider else "namnd",
            "name": board.name,
            "municipality": board.parent.name if board.parent_id else "",
        },
        "where_and_when": {"unit": report.unit.name, "occurred_at": _iso(report.occurred_at),
                           "noticed_at": _iso(report.reported_at)},
        "contact": {"name": notification.decided_by.display_name, "title": notification.decided_by.title,
                    "email": notification.decided_by.email},
        "description": report.description,
        "immediate_measures": report.immediate_measures,
        "investigation_finished": report.state in ("decided", "closed"),
        "investigation_summary": report.investigation_summary,
        "categories": sorted(t.name for t in report.categories.all()),
    }


def _imy(report, notification):
    return {
        "form": "IMY anmälan av personuppgiftsincident",
        "controller_case_number": report.case_number,
        "controller": report.namnd.name,
        "nature": report.breach_nature,
        "data_categories": sorted(t.name for t in report.data_categories.all()),
        "approx_subjects": report.approx_subjects,
        "approx_records": report.approx_records,
        "likely_consequences": report.likely_consequences,
        "measures": report.breach_measures,
        "occurred_at": _iso(report.occurred_at),
        "discovered_at": _iso(report.discovered_at),
        "ended_at": _iso(report.ended_at),
        "delay_reason": notification.delay_reason,
        "data_subjects_informed_at": _iso(report.subjects_informed_at),
        "data_subjects_not_informed_reason": report.subjects_not_informed_reason,
        "contact": {"name": notification.decided_by.display_name, "title": notification.decided_by.title,
                    "email": notification.decided_by.email},
    }


def regulator_document(report, regulator, *, notification):
    return (_ivo if regulator == Regulator.IVO else _imy)(report, notification)
