"""A period without cases compiles to tables of zeros, in every format and from the web pages'
defaults; a background export that fails tells its requester why in words they can act on,
and the operator's log has the details."""

import datetime
import logging

import pytest
from django.test import Client

from cases.models import Role
from cases.services import do_revoke_role
from reporting.models import ExportJob
from reporting.selectors.compilation import board_compilation, quality_chapter, year_scope
from reporting.selectors.tables import BUILDERS, Scope
from reporting.services import exports, tasks

pytestmark = pytest.mark.django_db

EMPTY = (datetime.date(2031, 1, 1), datetime.date(2031, 4, 30))


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def assert_well_formed(table):
    """Every row as wide as the headings, and a total row where the table says it has one."""
    assert all(len(row) == len(table.columns) for row in table.rows), (table.key, table.columns, table.rows)
    if table.total_row:
        assert table.rows, table.key
    table.display_rows()
    table.as_json()


@pytest.mark.parametrize("public", [True, False])
@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_every_table_of_an_empty_period_is_well_formed_with_zero_counts(org, builder, public):
    for unit in (org.sn, org.kommun):
        table = builder(Scope(unit=unit, start=EMPTY[0], end=EMPTY[1], public=public))
        assert_well_formed(table)
        assert all(row[c] in (0, 0.0) for row in table.rows for c in table.counts), (table.key, table.rows)


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_every_table_of_a_period_with_cases_is_well_formed(world, builder):
    for public in (True, False):
        for unit in (world.org.sn, world.org.kommun):
            assert_well_formed(
                builder(
                    Scope(
                        unit=unit,
                        start=datetime.date(2025, 3, 1),
                        end=datetime.date(2025, 10, 31),
                        public=public,
                    )
                )
            )


@pytest.mark.parametrize("fmt", sorted(exports.RENDERERS))
@pytest.mark.parametrize("public", [True, False])
def test_an_empty_period_and_an_empty_year_render_in_every_format(org, fmt, public):
    board = board_compilation(Scope(unit=org.sn, start=EMPTY[0], end=EMPTY[1], public=public))
    chapter = quality_chapter(year_scope(org.kommun, EMPTY[0].year, public))
    for compilation in (board, chapter):
        content, _content_type = exports.render(compilation, fmt)
        assert content


def test_the_compilation_of_a_period_without_cases_is_made_from_the_web_page(people, org):
    client = browser(people["sas"])
    response = client.post(
        "/compilations/",
        {
            "namnd": org.sn.pk,
            "start": EMPTY[0].isoformat(),
            "end": EMPTY[1].isoformat(),
            "public": "on",
            "format": "pdf",
        },
    )
    job = ExportJob.objects.get(requested_by=people["sas"])
    assert response.status_code == 302 and job.status == ExportJob.Status.DONE and job.failure == ""
    assert client.get(f"/api/v1/exports/{job.pk}/download/")["Content-Type"] == "application/pdf"


def test_the_kvalitetsberattelse_for_the_year_the_page_proposes_is_made(people, org):
    client = browser(people["leader"])
    form = client.get("/compilations/quality-chapter/").context["form"]
    response = client.post(
        "/compilations/quality-chapter/",
        {
            "municipality": org.kommun.pk,
            "year": form.fields["year"].initial,
            "public": "on",
            "format": "docx",
        },
    )
    job = ExportJob.objects.get(requested_by=people["leader"])
    assert response.status_code == 302 and job.status == ExportJob.Status.DONE


def test_a_failed_export_says_why_without_a_traceback_and_logs_it_for_the_operator(
    people, org, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("secret-internal-detail 19121212-1212")

    monkeypatch.setattr(tasks, "build", broken)
    client = browser(people["sas"])
    with caplog.at_level(logging.ERROR, logger="reporting.services.tasks"):
        response = client.post(
            "/compilations/",
            {"namnd": org.sn.pk, "start": "2025-01-01", "end": "2025-04-30", "public": "on", "format": "pdf"},
            follow=True,
        )
    job = ExportJob.objects.get(requested_by=people["sas"])
    assert job.status == ExportJob.Status.FAILED and job.failure == ExportJob.Failure.ERROR
    html = response.content.decode()
    assert "Filen kunde inte skapas på grund av ett fel i systemet" in html and str(job.pk) in html
    assert "secret-internal-detail" not in html and "Traceback" not in html and "RuntimeError" not in html
    assert str(job.pk) in caplog.text and "secret-internal-detail" in caplog.text  # the operator's log
    english = client.get(f"/compilations/exports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The file could not be made because of an error in the system" in english
    answer = client.get(f"/api/v1/exports/{job.pk}/").json()
    assert answer["status"] == "failed" and answer["failure"] == "error"
    assert "secret-internal-detail" not in answer["failure_message"]


def test_an_export_whose_requester_lost_the_role_says_so(people, org):
    # Asked for while still SAS; the role goes before the worker gets to the job.
    job = ExportJob.objects.create(
        requested_by=people["sas"],
        params={
            "kind": "compilation",
            "unit": org.sn.pk,
            "from": "2025-01-01",
            "to": "2025-04-30",
            "public": False,
            "format": "csv",
        },
    )
    do_revoke_role(people["sas"], Role.SAS, org.sn, acting_user=None)
    tasks.run_export.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.failure == ExportJob.Failure.NOT_ALLOWED
    html = browser(people["sas"]).get(f"/compilations/exports/{job.pk}/").content.decode()
    assert "Du får inte längre göra den här sammanställningen" in html
