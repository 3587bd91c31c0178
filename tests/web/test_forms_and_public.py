"""Forms keep what the user typed on an error; the public form, its spam protection and the
receipt code; the handler's questions and the submitter's answers."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import AuditEvent, CaseMessage, ReceiptCode, Report
from cases.models.messages import receipt_digest
from cases.services import do_ask_submitter, do_file_public_submission
from tests import factories

pytestmark = pytest.mark.django_db


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_filing_error_keeps_every_field_typed(client, cast, org):
    client.force_login(cast["reporter"])
    data = {
        "type": "deviation",
        "unit": org.unit_a.pk,
        "description": "Dörren till medicinskåpet stod öppen.",
        "person-TOTAL_FORMS": "2",
        "person-INITIAL_FORMS": "0",
        "person-0-name": "Anna Andersson",
        "person-0-role": "Boende i rum 4",
        "person-1-name": "",
    }
    response = client.post(reverse("web:report_form", args=["deviation"]), data)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="error-summary"' in body
    assert "Dörren till medicinskåpet stod öppen." in body
    assert 'value="Anna Andersson"' in body and 'value="Boende i rum 4"' in body
    assert f'<option value="{org.unit_a.pk}" selected>' in body
    assert 'href="#id_occurred_at"' in body and 'aria-invalid="true"' in body
    assert not Report.objects.exists()


def test_filing_with_persons_saves_them_with_the_report(client, cast, org):
    client.force_login(cast["reporter"])
    response = client.post(
        reverse("web:report_form", args=["lex_sarah"]),
        {
            "type": "lex_sarah",
            "unit": org.unit_a.pk,
            "description": "En brukare lämnades ensam hela natten.",
            "occurred_at": local(timezone.now() - datetime.timedelta(hours=5)),
            "immediate_measures": "Nattpersonalen förstärktes.",
            "person-TOTAL_FORMS": "2",
            "person-INITIAL_FORMS": "0",
            "person-0-role": "Brukaren",
            "person-1-role": "",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.type == "lex_sarah" and report.reporter == cast["reporter"]
    assert report.immediate_measures == "Nattpersonalen förstärktes."
    assert list(report.persons.values_list("role", flat=True)) == ["Brukaren"]


def test_a_bad_person_row_saves_nothing(client, cast, org):
    client.force_login(cast["reporter"])
    response = client.post(
        reverse("web:report_form", args=["deviation"]),
        {
            "type": "deviation",
            "unit": org.unit_a.pk,
            "description": "Fel dos.",
            "occurred_at": local(timezone.now() - datetime.timedelta(hours=1)),
            "person-TOTAL_FORMS": "1",
            "person-INITIAL_FORMS": "0",
            "person-0-personnummer": "19121212-1213",
        },
    )
    assert response.status_code == 200
    assert 'value="19121212-1213"' in response.content.decode()
    assert not Report.objects.exists()


def test_a_transition_error_keeps_the_typed_text(client, cast, org):
    breach = factories.file(
        "data_breach",
        cast["reporter"],
        org.unit_a,
        discovered_at=(timezone.now() - datetime.timedelta(hours=80)).isoformat(),
    )
    breach = factories.walk_to(breach, "assessed", cast)
    client.force_login(cast["dso"])
    response = client.post(
        reverse("web:transition", args=[breach.pk, "decide"]),
        {"decision": "Anmäls till IMY.", "notify_imy": "True"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Anmäls till IMY." in body
    assert 'href="#id_delay_reason"' in body
    breach.refresh_from_db()
    assert breach.state == "assessed"


def test_the_risk_grid_posts_one_cell(client, cast, org):
    report = factories.file("deviation", cast["reporter"], org.unit_a)
    client.force_login(cast["manager_a"])
    response = client.post(
        reverse("web:transition", args=[report.pk, "assess"]),
        {"risk_cell": "2-2", "category": factories.term("deviation_category")},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.probability, report.severity, report.state) == (2, 2, "assessed")


def public_data(org, **extra):
    return {
        "unit": org.unit_a.pk,
        "kind": "klagomal",
        "description": "Ingen kom på tisdagen.",
        "website": "",
        **extra,
    }


def test_the_public_form_files_an_anonymous_complaint_with_a_receipt_code(client, org):
    response = client.post(reverse("web:public_form"), public_data(org))
    assert response.status_code == 302 and response["Location"] == reverse("web:public_thanks")
    page = client.get(response["Location"]).content.decode()
    code = re.search(r'id="receipt-code">([A-Z0-9-]+)<', page).group(1)
    report = Report.objects.get()
    assert report.type == "complaint" and report.reporter is None
    assert ReceiptCode.objects.get().code_hash == receipt_digest(code) != code
    assert (
        code not in AuditEvent.objects.filter(report_id=report.pk).values_list("payload", flat=True).__str__()
    )
    # Shown once.
    assert code not in client.get(reverse("web:public_thanks")).content.decode()


def test_the_public_form_keeps_the_text_on_an_error(client, org):
    response = client.post(reverse("web:public_form"), public_data(org, kind=""))
    assert response.status_code == 200 and "Ingen kom på tisdagen." in response.content.decode()
    assert not Report.objects.exists()


def test_the_honeypot_files_nothing(client, org):
    response = client.post(reverse("web:public_form"), public_data(org, website="http://spam.example"))
    assert response.status_code == 302
    assert not Report.objects.exists()


def test_the_public_form_is_rate_limited(client, org, settings):
    settings.PUBLIC_SUBMISSIONS_PER_HOUR = 2
    for _i in range(2):
        assert client.post(reverse("web:public_form"), public_data(org)).status_code == 302
    response = client.post(reverse("web:public_form"), public_data(org))
    assert response.status_code == 200 and 'id="error-summary"' in response.content.decode()
    assert Report.objects.count() == 2


def test_the_code_shows_the_status_answer_and_questions_and_nothing_else(client, cast, org):
    report, code = do_file_public_submission(data=public_data(org))
    report = factories.walk_to(report, "investigated", cast)
    do_ask_submitter(report.pk, acting_user=cast["manager_a"], data={"text": "Vilken tid var besöket bokat?"})
    factories.do_transition(
        report.pk, "answer", acting_user=cast["manager_a"], data={"reply": "Vi har rättat schemat."}
    )
    assert client.get(reverse("web:public_status")).status_code == 200
    body = client.post(
        reverse("web:public_status"), {"code": code.lower().replace("-", " ")}
    ).content.decode()
    assert "Vi har rättat schemat." in body and "Vilken tid var besöket bokat?" in body
    assert "Bemötandet brast." not in body  # the handler's position is internal
    assert report.case_number not in body
    body = client.post(reverse("web:public_status"), {"code": code, "text": "Klockan 19."}).content.decode()
    assert "Klockan 19." in body
    assert CaseMessage.objects.filter(report=report, kind="answer").count() == 1


def test_a_wrong_code_shows_nothing_and_lookups_are_rate_limited(client, org, settings):
    do_file_public_submission(data=public_data(org))
    settings.RECEIPT_LOOKUPS_PER_HOUR = 3
    for _i in range(3):
        body = client.post(reverse("web:public_status"), {"code": "AAAA-BBBB-CCCC-DDDD"}).content.decode()
        assert 'id="error-summary"' in body and "Ingen kom på tisdagen." not in body
    body = client.post(reverse("web:public_status"), {"code": "AAAA-BBBB-CCCC-DDDD"}).content.decode()
    assert "För många försök" in body


def test_asking_and_answering_emit_and_audit(cast, org, django_capture_on_commit_callbacks):
    from cases.events import case_event

    seen = []
    case_event.connect(lambda **kw: seen.append(kw["name"]), weak=False, dispatch_uid="test-web-events")
    try:
        report, _code = do_file_public_submission(data=public_data(org))
        report = factories.walk_to(report, "investigated", cast)
        with django_capture_on_commit_callbacks(execute=True):
            do_ask_submitter(report.pk, acting_user=cast["manager_a"], data={"text": "En fråga?"})
            factories.do_transition(
                report.pk, "answer", acting_user=cast["manager_a"], data={"reply": "Svar."}
            )
    finally:
        case_event.disconnect(dispatch_uid="test-web-events")
    assert "complaint.question" in seen and seen.count("complaint.answered") == 1
    assert AuditEvent.objects.filter(report_id=report.pk, action="complaint.question").count() == 1


def test_only_a_handler_may_ask_or_give_feedback(client, cast, org):
    report, _code = do_file_public_submission(data=public_data(org))
    for name, expected in (
        ("manager_a", 302),
        ("manager_b", 404),
        ("decision_maker", 403),
        ("outsider", 404),
    ):
        client.force_login(cast[name])
        response = client.post(reverse("web:part", args=[report.pk, "ask"]), {"text": "Fråga?"})
        assert response.status_code == expected, name
    assert CaseMessage.objects.filter(kind="question").count() == 1
