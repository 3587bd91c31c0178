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
TEXTS = "/compilations/quality-chapter/texts/"


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
    """The board's SAS writes the chapter's texts on their page (the default year: last year), then
    makes the board's chapter from the chapter page's defaults (no cases in the fixture that year,
    so tables of zeros): the chapter takes the stored texts, in order around the tables; the
    audit row of the texts holds their fingerprints, not the text."""
    import hashlib

    from docx import Document

    from cases.models import ChapterText

    client = browser(people["sas"])
    year = client.get(PAGE).context["form"].fields["year"].initial
    texts = {
        "introduction": "Nämnden har arbetat med bemötande.\r\n\r\nUppföljning sker varje tertial.",
        "analysis": "Avvikelserna har minskat.",
        "conclusions": "Rutinerna för läkemedel ses över.",
    }
    saved = client.post(f"{TEXTS}?unit={org.sn.pk}&year={year}", texts)
    assert saved.status_code == 302 and saved["Location"] == f"{TEXTS}?unit={org.sn.pk}&year={year}"
    stored = ChapterText.objects.get(unit=org.sn, year=year)
    assert stored.introduction == "Nämnden har arbetat med bemötande.\n\nUppföljning sker varje tertial."
    assert stored.updated_by == people["sas"]
    assert client.get(saved["Location"]).context["form"].initial["conclusions"] == texts["conclusions"]
    response = client.post(PAGE, {"municipality": org.sn.pk, "year": year, "format": "docx"})
    assert response.status_code == 302
    job = ExportJob.objects.get(requested_by=people["sas"])
    assert job.status == "done" and "texts" not in job.params
    paragraphs = [p.text for p in Document(io.BytesIO(bytes(job.content))).paragraphs]
    order = [
        "Introduktion",
        "Nämnden har arbetat med bemötande.",
        "Uppföljning sker varje tertial.",
        "Risksammanfattning",
        "Analys",
        "Avvikelserna har minskat.",
        "Slutsatser",
        "Rutinerna för läkemedel ses över.",
    ]
    assert [paragraphs.index(text) for text in order] == sorted(paragraphs.index(text) for text in order)
    event = AuditEvent.objects.get(action="chapter_texts.saved", actor=people["sas"])
    assert event.chain == "change" and event.payload["unit"] == org.sn.pk and event.payload["year"] == year
    assert event.payload["conclusions_sha256"] == hashlib.sha256(texts["conclusions"].encode()).hexdigest()
    assert "Rutinerna" not in str(event.payload) and event.payload["first"] is True
    # Another year's chapter has none of this year's texts.
    assert not ChapterText.objects.filter(unit=org.sn, year=year - 1).exists()


def test_a_chapter_of_another_board_or_year_takes_only_its_own_texts(world, people, org, municipal_sas):
    from django.utils import translation

    from cases.services import do_save_chapter_texts
    from reporting.selectors.compilation import quality_chapter, year_scope

    do_save_chapter_texts(people["sas"], org.sn, 2025, analysis="SN 2025.")
    do_save_chapter_texts(people["sas"], org.sn, 2024, conclusions="SN 2024.")
    do_save_chapter_texts(municipal_sas, org.kommun, 2025, introduction="Kommunen 2025.")
    with translation.override("en"):
        sections = {
            (unit.pk, year): [
                (str(h), [str(p) for p in ps]) for h, ps in [*c.before, *c.after] if str(h) != "Risk summary"
            ]
            for unit, year in ((org.sn, 2025), (org.sn, 2024), (org.kommun, 2025), (org.on, 2025))
            for c in [quality_chapter(year_scope(unit, year, public=True))]
        }
    assert sections == {
        (org.sn.pk, 2025): [("Analysis", ["SN 2025."])],
        (org.sn.pk, 2024): [("Conclusions", ["SN 2024."])],
        (org.kommun.pk, 2025): [("Introduction", ["Kommunen 2025."])],
        (org.on.pk, 2025): [],
    }


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


# Whose chapter texts each member of the cast writes: the SAS of a board its board's, the SAS at
# the municipality the municipality's (and each board's below it); leadership none (403, as
# for everyone who is SAS nowhere).
WRITES = Matrix.of(
    [*EVERYONE, "leader", "admin", "municipal_sas"],
    {"sas": ("sn",), "sas_other": ("on",), "municipal_sas": ("kommun", "sn", "on")},
    default=(),
)


@WRITES.per_actor("name, writes")
def test_the_sas_writes_the_texts_of_their_boards_only(world, people, org, municipal_sas, name, writes):
    from cases.models import ChapterText

    user = municipal_sas if name == "municipal_sas" else people[name]
    client = browser(user)
    page = client.get(TEXTS)
    assert page.status_code == (200 if writes else 403)
    if writes:
        assert [u.pk for u in page.context["units"]] == [getattr(org, key).pk for key in writes]
    for key in ("kommun", "sn", "on"):
        unit = getattr(org, key)
        query = f"{TEXTS}?unit={unit.pk}&year=2025"
        expected = 200 if key in writes else 404 if writes else 403
        assert client.get(query).status_code == expected, key
        response = client.post(query, {"introduction": f"Text av {name}."})
        assert response.status_code == (302 if key in writes else expected), key
    assert ChapterText.objects.filter(updated_by=user).count() == len(writes)
    assert AuditEvent.objects.filter(action="chapter_texts.saved", actor=user).count() == len(writes)
    # A unit that is no board, and one that does not exist, answer as one the SAS does not hold.
    if writes:
        for unit_id in (org.unit_a.pk, 999999, "x"):
            assert client.get(f"{TEXTS}?unit={unit_id}").status_code == 404


def test_the_service_refuses_anyone_but_the_sas_and_a_text_too_long(world, people, org):
    from django.core.exceptions import PermissionDenied, ValidationError

    from cases.models import ChapterText
    from cases.services import do_save_chapter_texts

    for name in ("leader", "manager_a", "decision_maker", "sas_other", "admin"):
        with pytest.raises(PermissionDenied):
            do_save_chapter_texts(people[name], org.sn, 2025, introduction="Text.")
    with pytest.raises(PermissionDenied):
        do_save_chapter_texts(people["sas"], org.unit_a, 2025, introduction="Text.")  # not a board
    with pytest.raises(ValidationError):
        do_save_chapter_texts(people["sas"], org.sn, 2025, analysis="x" * 10001)
    client = browser(people["sas"])
    response = client.post(f"{TEXTS}?unit={org.sn.pk}&year=2025", {"analysis": "x" * 10001})
    assert response.status_code == 400 and "analysis" in response.context["form"].errors
    assert not ChapterText.objects.exists()
    assert not AuditEvent.objects.filter(action="chapter_texts.saved").exists()
    # Saved twice: one row, replaced, and two audit rows.
    do_save_chapter_texts(people["sas"], org.sn, 2025, introduction="Först.")
    do_save_chapter_texts(people["sas"], org.sn, 2025, introduction="Sedan.")
    assert list(ChapterText.objects.values_list("introduction", flat=True)) == ["Sedan."]
    firsts = (
        AuditEvent.objects.filter(action="chapter_texts.saved")
        .order_by("pk")
        .values_list("payload__first", flat=True)
    )
    assert list(firsts) == [True, False]
