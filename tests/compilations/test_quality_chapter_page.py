"""The kvalitetsberättelse chapter in the web interface: a form that runs the background
export, for those who may compile the municipality (as the API), tested as the fixed cast."""

import io

import pytest
from django.test import Client

from cases.models import AuditEvent, Role
from cases.services import do_grant_role
from reporting.models import ExportJob
from tests.api.helpers import EVERYONE
from tests.compilations.test_api import pdf_text
from tests.matrix import Matrix

pytestmark = pytest.mark.django_db

PAGE = "/compilations/quality-chapter/"


def browser(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def municipal_sas(org):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="sas_kommun", first_name="Kim", last_name="Kvalitet")
    do_grant_role(user, Role.SAS, org.kommun, acting_user=None)
    return user


# What each member of the cast may make the chapter of: the SAS and leadership of a board (or of
# the municipality, for the whole municipality); nothing for everyone else.
OFFERED = Matrix.of(
    [*EVERYONE, "leader", "admin"],
    {"leader": ("kommun", "sn", "on"), "sas": ("sn",), "sas_other": ("on",)},
    default=(),
)


@OFFERED.per_actor("name, offered")
def test_the_sas_and_leadership_of_a_board_make_its_chapter(world, people, org, name, offered):
    client = browser(people[name])
    page = client.get(PAGE)
    assert page.status_code == (200 if offered else 403)
    if offered:
        listed = list(page.context["form"].fields["municipality"].queryset)
        assert listed == [getattr(org, key) for key in offered]
    for key in ("kommun", "sn"):
        response = client.post(
            PAGE, {"municipality": getattr(org, key).pk, "year": 2025, "public": "on", "format": "pdf"}
        )
        allowed = key in offered
        assert response.status_code == (302 if allowed else 400 if offered else 403)
    assert ExportJob.objects.filter(requested_by=people[name]).count() == len({"kommun", "sn"} & set(offered))


def test_leadership_makes_the_public_chapter_in_the_background(world, people, org):
    client = browser(people["leader"])
    page = client.get(PAGE)
    assert list(page.context["form"].fields["municipality"].queryset) == [org.kommun, org.sn, org.on]
    response = client.post(
        PAGE, {"municipality": org.kommun.pk, "year": 2025, "public": "on", "format": "pdf"}
    )
    job = ExportJob.objects.get(requested_by=people["leader"])
    assert response["Location"] == f"/compilations/exports/{job.pk}/"
    assert job.params == {
        "kind": "quality_chapter",
        "unit": org.kommun.pk,
        "year": 2025,
        "public": True,
        "format": "pdf",
        "language": "sv",
    }
    assert job.status == "done" and job.progress == 100
    html = client.get(response["Location"]).content.decode()
    assert "<progress" in html and f"/api/v1/exports/{job.pk}/download/" in html
    download = client.get(f"/api/v1/exports/{job.pk}/download/")
    assert download["Content-Type"] == "application/pdf"
    text = pdf_text(download.content)
    # The same numbers as the API's chapter (in Swedish, the default): ON's single report and SN's own 4
    # hidden, the private provider's single report beside the total.
    assert "Kvalitetsberättelse" in text and "Omsorgsnämnden 0 0 *" in text and "Totalt * * 5" in text
    assert "Privata utförare (ingår inte i totalen) 0 0 *" in text
    assert (
        AuditEvent.objects.filter(
            chain="access", action="compilation.export_started", payload__kind="quality_chapter"
        ).count()
        == 1
    )
    # Others do not see the job or its file.
    for name in ("sas", "outsider"):
        assert browser(people[name]).get(response["Location"]).status_code == 404
        assert browser(people[name]).get(f"/api/v1/exports/{job.pk}/download/").status_code == 404
    # The page lists the chapter.
    assert f"/compilations/exports/{job.pk}/" in client.get(PAGE).content.decode()


def test_leadership_may_not_make_the_internal_version(world, people, org):
    response = browser(people["leader"]).post(
        PAGE, {"municipality": org.kommun.pk, "year": 2025, "format": "docx"}
    )
    assert response.status_code == 400 and "public" in response.context["form"].errors
    assert not ExportJob.objects.exists()


def test_a_municipal_sas_makes_the_internal_docx(world, people, org, municipal_sas):
    from docx import Document

    client = browser(municipal_sas)
    response = client.post(PAGE, {"municipality": org.kommun.pk, "year": 2025, "format": "docx"})
    assert response.status_code == 302
    job = ExportJob.objects.get(requested_by=municipal_sas)
    assert job.params["public"] is False and job.filename.endswith("-intern.docx")
    document = Document(io.BytesIO(bytes(job.content)))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "Intern version" in " ".join(p.text for p in document.paragraphs)
    assert world.L1.case_number in cells  # the internal version shows case numbers


def test_bad_input_is_kept_and_refused(world, people, org):
    client = browser(people["leader"])
    for data in (
        {"municipality": org.unit_a.pk, "year": 2025, "public": "on", "format": "pdf"},  # a unit
        {"municipality": org.kommun.pk, "year": 1999, "public": "on", "format": "pdf"},
        {"municipality": org.kommun.pk, "year": 2025, "public": "on", "format": "csv"},
    ):
        assert client.post(PAGE, data).status_code == 400
    assert not ExportJob.objects.exists()


def test_the_board_sas_writes_the_chapter_with_texts_and_the_default_year(world, people, org):
    """The board's SAS makes the board's chapter from the page's defaults (last year: no cases in
    the fixture, so tables of zeros) with an introduction and conclusions; the texts come back
    in the form next time, and the audit row holds their fingerprint, not the text."""
    from docx import Document

    client = browser(people["sas"])
    form = client.get(PAGE).context["form"]
    data = {
        "municipality": org.sn.pk,
        "year": form.fields["year"].initial,
        "format": "docx",
        "introduction": "Nämnden har arbetat med bemötande.\n\nUppföljning sker varje tertial.",
        "conclusions": "Rutinerna för läkemedel ses över.",
    }
    response = client.post(PAGE, data)
    assert response.status_code == 302
    job = ExportJob.objects.get(requested_by=people["sas"])
    assert job.status == "done" and job.params["texts"]["conclusions"] == data["conclusions"]
    document = Document(io.BytesIO(bytes(job.content)))
    paragraphs = [p.text for p in document.paragraphs]
    for text in (
        "Introduktion",
        "Nämnden har arbetat med bemötande.",
        "Uppföljning sker varje tertial.",
        "Risksammanfattning",
        "Analys och slutsatser",
        "Rutinerna för läkemedel ses över.",
    ):
        assert text in paragraphs, text
    assert paragraphs.index("Risksammanfattning") < paragraphs.index("Analys och slutsatser")
    event = AuditEvent.objects.get(action="compilation.export_started", actor=people["sas"])
    assert "texts" not in event.payload and len(event.payload["texts_sha256"]) == 64
    assert client.get(PAGE).context["form"].initial["conclusions"] == data["conclusions"]


def test_leadership_may_not_write_the_texts(world, people, org):
    response = browser(people["leader"]).post(
        PAGE,
        {"municipality": org.sn.pk, "year": 2025, "public": "on", "format": "pdf", "introduction": "Text."},
    )
    assert response.status_code == 400 and "introduction" in response.context["form"].errors
    assert not ExportJob.objects.exists()


def test_the_risk_summary_in_words_from_the_risks_table(world, people, org):
    from django.utils import translation

    from reporting.selectors.compilation import quality_chapter, year_scope

    with translation.override("en"):
        chapter = quality_chapter(year_scope(org.sn, 2025, public=False))
        heading, paragraphs = chapter.before[0]
        assert str(heading) == "Risk summary"
        # The board's own 2025 reports: lex Sarah L1, L3, L4, L6; deviations D1, D2, D4;
        # complaints C1, C2, C4; breaches B1, B2 — 12; L1 and D2 high, D1 low: 9 not assessed.
        assert str(paragraphs[0]) == "Reports received in the year: 12. Not risk-assessed: 9."
        assert "Hög (8–11): 2" in str(paragraphs[1]) and "Låg (1–4): 1" in str(paragraphs[1])
        public = quality_chapter(year_scope(org.sn, 2025, public=True))
        assert "Not risk-assessed: 9" in str(public.before[0][1][0])
        assert "Hög (8–11): *" in str(public.before[0][1][1])
