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


# Who may compile the municipality: leadership; the board's SAS compiles the board, not the municipality.
COMPILES_THE_MUNICIPALITY = Matrix.of([*EVERYONE, "leader", "admin"], {"leader": True}, default=False)


@COMPILES_THE_MUNICIPALITY.per_actor("name, allowed")
def test_only_those_who_may_compile_the_municipality_see_the_page(world, people, org, name, allowed):
    client = browser(people[name])
    assert client.get(PAGE).status_code == (200 if allowed else 403)
    response = client.post(
        PAGE, {"municipality": org.kommun.pk, "year": 2025, "public": "on", "format": "pdf"}
    )
    assert response.status_code == (302 if allowed else 403)
    assert ExportJob.objects.filter(requested_by=people[name]).exists() == allowed


def test_leadership_makes_the_public_chapter_in_the_background(world, people, org):
    client = browser(people["leader"])
    page = client.get(PAGE)
    assert list(page.context["form"].fields["municipality"].queryset) == [org.kommun]
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
    }
    assert job.status == "done" and job.progress == 100
    html = client.get(response["Location"]).content.decode()
    assert "<progress" in html and f"/api/v1/exports/{job.pk}/download/" in html
    download = client.get(f"/api/v1/exports/{job.pk}/download/")
    assert download["Content-Type"] == "application/pdf"
    text = pdf_text(download.content)
    # The same numbers as the API's chapter (in Swedish, the default): ON's single report and SN's 5 hidden.
    assert "Kvalitetsberättelse" in text and "Omsorgsnämnden 0 0 *" in text and "Totalt * * 6" in text
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
        {"municipality": org.sn.pk, "year": 2025, "public": "on", "format": "pdf"},  # a board
        {"municipality": org.kommun.pk, "year": 1999, "public": "on", "format": "pdf"},
        {"municipality": org.kommun.pk, "year": 2025, "public": "on", "format": "csv"},
    ):
        assert client.post(PAGE, data).status_code == 400
    assert not ExportJob.objects.exists()
