"""The IVO and IMY documents: drafts from the case, minimised, and frozen byte for byte
with their SHA-256 and the regulator's case number when recorded as submitted."""

import hashlib
import io
import json

import pytest
from django.db import DatabaseError, connection, transaction
from pypdf import PdfReader
from rest_framework.test import APIClient

from cases.models import AuditEvent
from cases.services import do_add_affected_person, do_notification_transition
from reporting.models import RegulatorDocument
from reporting.models.compilations import FrozenDocumentError
from tests.api.helpers import EVERYONE
from tests.factories import ago, file, walk_to
from tests.matrix import Matrix

pytestmark = pytest.mark.django_db


def client(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def url(report):
    return f"/api/v1/reports/{report.pk}/regulator-document/"


@pytest.fixture
def lex_sarah(cast, org):
    report = walk_to(
        file(
            "lex_sarah",
            cast["reporter"],
            org.unit_a,
            description="Anna Andersson 19450101-1234 föll; ring 070-123 45 67.",
        ),
        "decided",
        cast,
    )
    do_add_affected_person(
        report.pk, acting_user=cast["sas"], data={"name": "Anna Andersson", "role": "Brukare"}
    )
    return report


@pytest.fixture
def breach(cast, org):
    return walk_to(file("data_breach", cast["reporter"], org.unit_a), "decided", cast)


# Who may read the IVO document of a lex Sarah case in unit A: those who notify IVO (SAS,
# decision maker). Others who see the case get 403; those who do not see it 404.
IVO_STATUS = Matrix.of(
    EVERYONE, {"sas": 200, "decision_maker": 200, "manager_a": 403, "reporter": 403}, default=404
)
IMY_STATUS = Matrix.of(EVERYONE, {"dso": 200, "sas": 403, "reporter": 403}, default=404)


@IVO_STATUS.per_actor("name, expected")
def test_ivo_document_as_the_cast(lex_sarah, cast, name, expected):
    response = client(cast[name]).get(url(lex_sarah), {"format": "json"})
    assert response.status_code == expected


@IMY_STATUS.per_actor("name, expected")
def test_imy_document_as_the_cast(breach, cast, name, expected):
    response = client(cast[name]).get(url(breach), {"format": "json"})
    assert response.status_code == expected


def test_draft_is_prefilled_and_minimised(lex_sarah, cast):
    response = client(cast["sas"]).get(url(lex_sarah), {"format": "json"})
    document = json.loads(response.content)
    assert response["X-Document-Status"] == "draft"
    assert document["sender_case_number"] == lex_sarah.case_number
    assert document["concerns"] == "allvarligt_missforhallande"
    assert document["investigation_finished"] is True and document["investigation"]
    assert document["individuals_concerned"] == 1
    text = response.content.decode()
    for secret in ("Anna", "Andersson", "19450101-1234", "070-123"):
        assert secret not in text
    pdf = client(cast["sas"]).get(url(lex_sarah), {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert lex_sarah.case_number in pdf_text and "Andersson" not in pdf_text
    assert (
        AuditEvent.objects.filter(
            chain="access", action="regulator_document.exported", report_id=lex_sarah.pk
        ).count()
        == 2
    )


def test_imy_document_has_the_article_33_content(breach, cast):
    document = json.loads(client(cast["dso"]).get(url(breach), {"format": "json"}).content)
    assert document["approx_subjects"] == 12 and document["approx_records"] == 40
    assert document["data_categories"] and document["nature"] == ["confidentiality"]
    assert {
        "occurred_at",
        "discovered_at",
        "ended_at",
        "delay_reason",
        "data_subjects_informed",
        "contact",
    } <= set(document)


def submit(report, cast, actor="sas"):
    notification = report.regulator_notifications.get()
    return do_notification_transition(
        report.pk,
        notification.pk,
        "submit",
        acting_user=cast[actor],
        data={
            "submitted_at": ago(minutes=1),
            "channel": "e_service",
            "regulator_case_number": "IVO 3.5.1-12345/2025",
        },
    )


def test_submitting_freezes_the_exact_document(lex_sarah, cast):
    notification = submit(lex_sarah, cast)
    frozen = RegulatorDocument.objects.get(notification=notification)
    assert frozen.verifies()
    assert frozen.regulator_case_number == "IVO 3.5.1-12345/2025"
    assert (
        frozen.json_sha256
        == notification.document_sha256
        == hashlib.sha256(bytes(frozen.json_bytes)).hexdigest()
    )
    assert frozen.frozen_by == cast["sas"]

    # The case changes afterwards; the document that was sent does not.
    do_add_affected_person(lex_sarah.pk, acting_user=cast["sas"], data={"name": "Bo Ek", "role": "Brukare"})
    for fmt, stored, digest in (
        ("json", frozen.json_bytes, frozen.json_sha256),
        ("pdf", frozen.pdf_bytes, frozen.pdf_sha256),
    ):
        response = client(cast["sas"]).get(url(lex_sarah), {"format": fmt})
        assert response.content == bytes(stored)
        assert response["X-Document-SHA256"] == digest == hashlib.sha256(response.content).hexdigest()
        assert response["X-Document-Status"] == "frozen"
        assert response["X-Regulator-Case-Number"] == "IVO 3.5.1-12345/2025"


def test_a_frozen_document_never_changes(lex_sarah, cast):
    frozen = RegulatorDocument.objects.get(notification=submit(lex_sarah, cast))
    frozen.json_bytes = b"{}"
    with pytest.raises(FrozenDocumentError):
        frozen.save()
    with pytest.raises(FrozenDocumentError):
        frozen.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_regulatordocument SET pdf_sha256 = 'x'")
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM cases_regulatordocument")
    assert RegulatorDocument.objects.get(pk=frozen.pk).verifies()


def test_a_supplement_is_a_later_document_on_the_same_notification(lex_sarah, cast):
    notification = submit(lex_sarah, cast)
    do_notification_transition(
        lex_sarah.pk,
        notification.pk,
        "supplement",
        acting_user=cast["sas"],
        data={"sent_at": ago(minutes=0), "text": "Utredningen bifogas. Anna Andersson har informerats."},
    )
    first, second = RegulatorDocument.objects.filter(notification=notification).order_by("id")
    assert (first.kind, second.kind) == ("notification", "supplement")
    assert second.verifies() and second.supplement is not None
    supplement = json.loads(bytes(second.json_bytes))
    assert (
        supplement["regulator_case_number"] == "IVO 3.5.1-12345/2025"
        and "Andersson" not in supplement["text"]
    )
    response = client(cast["sas"]).get(url(lex_sarah), {"format": "json", "document": second.pk})
    assert response.content == bytes(second.json_bytes)
    assert client(cast["sas"]).get(url(lex_sarah), {"format": "json", "document": 99999}).status_code == 404


def test_bad_format_is_a_field_error(lex_sarah, cast):
    response = client(cast["sas"]).get(url(lex_sarah), {"format": "odt"})
    assert response.status_code == 400 and "format" in response.data


def test_a_deviation_has_no_regulator_document(cast, org):
    report = file("deviation", cast["reporter"], org.unit_a)
    assert client(cast["sas"]).get(url(report)).status_code == 404


def _pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize("kind", ["ivo", "imy"])
def test_the_pdfs_print_labels_and_swedish_dates_never_codes(kind, lex_sarah, breach, cast):
    """The JSON keeps the codes (it is for machines, and hashed); the PDF a person reads prints
    each code's label and each time in the Swedish format (issue 17: pataglig_risk_…,
    confidentiality and raw timestamps were printed)."""
    from tests.crawl.crawler import raw_codes

    report, actor = (lex_sarah, cast["sas"]) if kind == "ivo" else (breach, cast["dso"])
    response = client(actor).get(url(report), {"format": "pdf"}, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert raw_codes(text) == [], text
    document = client(actor).get(url(report), {"format": "json"}).json()
    if kind == "ivo":
        assert document["concerns"] in (
            "allvarligt_missforhallande",
            "pataglig_risk_for_allvarligt_missforhallande",
        )
        assert "missförhållande" in text
    else:
        assert document["nature"] == ["confidentiality"] and "Konfidentialitet" in text
