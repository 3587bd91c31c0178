"""The case's print view and its PDF for the file, and the regulator documents (IVO, IMY)
reached from the case page: as each member of the cast, logged as reads."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cases.models import AuditEvent
from cases.services import do_add_affected_person, do_notification_transition
from tests.api.helpers import EVERYONE
from tests.factories import ago, file, walk_to
from tests.matrix import Matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def lex_sarah(cast, org):
    report = walk_to(
        file("lex_sarah", cast["reporter"], org.unit_a, description="Brukaren föll."), "decided", cast
    )
    do_add_affected_person(
        report.pk, acting_user=cast["sas"], data={"name": "Anna Andersson", "role": "Brukare"}
    )
    do_add_affected_person(
        report.pk, acting_user=cast["sas"], data={"name": "Hemlig Hansson", "protected_identity": True}
    )
    return report


def pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# The print view and the PDF: those who read the whole case; its reporter follows it on the
# case page (403 here), everyone else 404.
WHOLE = Matrix.of(
    EVERYONE,
    {"sas": 200, "decision_maker": 200, "manager_a": 200, "reporter": 403},
    default=404,
)


@WHOLE.per_actor("name, expected")
def test_print_view_and_pdf_as_the_cast(client, cast, lex_sarah, name, expected):
    client.force_login(cast[name])
    printed = client.get(reverse("web:case_print", args=[lex_sarah.pk]))
    pdf = client.get(reverse("web:case_pdf", args=[lex_sarah.pk]))
    assert (printed.status_code, pdf.status_code) == (expected, expected)
    if expected != 200:
        return
    body = printed.content.decode()
    assert lex_sarah.case_number in body and "Brukaren föll." in body
    assert "<form" not in body.split("<main", 1)[1]  # no steps and no forms on paper
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert lex_sarah.case_number in text and "Anna Andersson" in text
    assert ("Hemlig Hansson" in text) == (name == "sas")  # a protected identity stays masked
    vias = list(
        AuditEvent.objects.filter(chain="access", action="report.viewed", report_id=lex_sarah.pk)
        .order_by("-seq")
        .values_list("payload__via", flat=True)[:2]
    )
    assert vias == ["pdf", "print"]


def test_the_case_page_links_the_print_view_and_the_pdf(client, cast, lex_sarah):
    client.force_login(cast["manager_a"])
    body = client.get(reverse("web:case", args=[lex_sarah.pk])).content.decode()
    assert reverse("web:case_print", args=[lex_sarah.pk]) in body
    assert reverse("web:case_pdf", args=[lex_sarah.pk]) in body


def document_links(body):
    return set(re.findall(r'href="(/cases/\d+/regulator-document/[^"]*)"', body))


# The documents for IVO: linked for those who take IVO's steps; the page answers them alone.
DOCUMENTS = Matrix.of(
    EVERYONE, {"sas": 200, "decision_maker": 200, "manager_a": 403, "reporter": 403}, default=404
)


@DOCUMENTS.per_actor("name, expected")
def test_the_regulator_documents_from_the_case_page(client, cast, lex_sarah, name, expected):
    notification = lex_sarah.regulator_notifications.get()
    do_notification_transition(
        lex_sarah.pk,
        notification.pk,
        "submit",
        acting_user=cast["sas"],
        data={
            "submitted_at": ago(minutes=1),
            "channel": "e_service",
            "regulator_case_number": "IVO 3.5.1-123/2026",
        },
    )
    frozen = notification.documents.get()
    client.force_login(cast[name])
    page = client.get(reverse("web:case", args=[lex_sarah.pk]))
    links = document_links(page.content.decode()) if page.status_code == 200 else set()
    url = reverse("regulator-document-page", args=[lex_sarah.pk])
    assert client.get(url).status_code == expected
    if expected != 200:
        assert links == set()
        return
    body = page.content.decode()
    assert frozen.pdf_sha256 in body and frozen.json_sha256 in body
    assert {link.replace("&amp;", "&") for link in links} == {
        f"{url}?document={frozen.pk}",
        f"{url}?document={frozen.pk}&download=1",
        f"{url}?document={frozen.pk}&format=json",
    }
    viewed = client.get(url, {"document": frozen.pk})
    assert viewed["Content-Disposition"].startswith("inline")
    assert bytes(viewed.content) == bytes(frozen.pdf_bytes)
    downloaded = client.get(url, {"document": frozen.pk, "download": 1})
    assert downloaded["Content-Disposition"].startswith("attachment")
    as_json = client.get(url, {"document": frozen.pk, "format": "json"})
    assert bytes(as_json.content) == bytes(frozen.json_bytes)
    assert as_json["X-Document-SHA256"] == frozen.json_sha256
    logged = AuditEvent.objects.filter(chain="access", action="regulator_document.exported").latest("seq")
    assert logged.payload["frozen"] == frozen.pk and logged.payload["via"] == "web"
    assert client.get(url, {"document": 999999}).status_code == 404
    assert client.get(url, {"format": "docx"}).status_code == 404


def test_before_a_notification_the_draft_is_linked(client, cast, org):
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    client.force_login(cast["sas"])
    body = client.get(reverse("web:case", args=[report.pk])).content.decode()
    url = reverse("regulator-document-page", args=[report.pk])
    assert f'href="{url}"' in body
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
