"""The web pages as every member of the fixed cast, plus leadership and an administrator."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases.models import AuditEvent, Report
from reporting.models import ExportJob
from tests.api.helpers import EVERYONE
from tests.matrix import Matrix

pytestmark = pytest.mark.django_db

PERIOD = {"from": "2025-03-01", "to": "2025-10-31"}


def browser(people, name):
    client = Client()
    client.force_login(people[name])
    return client


ALL = [*EVERYONE, "leader", "admin"]


STATISTICS_PAGE = Matrix.of_groups(
    ALL, [({"manager_a", "manager_b", "sas", "sas_other", "leader"}, 200)], default=403
)


@STATISTICS_PAGE.per_actor("name, expected")
def test_statistics_page(world, people, name, expected):
    response = browser(people, name).get("/statistics/", {"by": "type", "period": "tertial", **PERIOD})
    assert response.status_code == expected
    if name == "sas":
        html = response.content.decode()
        assert 'role="img"' in html and '<title id="by-dimension-title">' in html and "<table>" in html
        assert "/statistics/cases/?" in html  # drill-down links
    if name == "leader":
        assert "/statistics/cases/?" not in response.content.decode()


def test_statistics_page_keeps_bad_input(world, people):
    response = browser(people, "sas").get(
        "/statistics/", {"by": "type", "period": "tertial", "from": "2025-02-30"}
    )
    assert response.status_code == 200
    assert 'value="2025-02-30"' in response.content.decode() and "result" not in response.context


# The lex Sarah cases each may list from the statistics; None: refused (403).
DRILL_DOWN = Matrix.of(ALL, {"manager_a": 2, "manager_b": 1, "sas": 4, "sas_other": 1}, default=None)


@DRILL_DOWN.per_actor("name, listed")
def test_drill_down_page(world, people, name, listed):
    response = browser(people, name).get("/statistics/cases/", {"by": "type", "value": "lex_sarah", **PERIOD})
    assert response.status_code == (200 if listed is not None else 403)
    if listed is not None:
        assert response.context["page"].paginator.count == listed
        if name == "sas":
            assert world.L1.case_number in response.content.decode()


COMPILATION_PAGE = Matrix.of_groups(ALL, [({"sas", "leader", "sas_other"}, 200)], default=403)


@COMPILATION_PAGE.per_actor("name, expected")
def test_compilation_page_and_background_export(world, people, org, name, expected):
    client = browser(people, name)
    response = client.get("/compilations/")
    assert response.status_code == expected
    if expected == 403:
        return
    data = {"namnd": org.sn.pk, "start": "2025-03-01", "end": "2025-10-31", "public": "on", "format": "pdf"}
    if name == "sas_other":  # may compile Omsorgsnämnden, not Socialnämnden
        response = client.post("/compilations/", data)
        assert response.status_code == 400 and "namnd" in response.context["form"].errors
        return
    response = client.post("/compilations/", data)
    assert response.status_code == 302
    job = ExportJob.objects.get(requested_by=people[name])
    page = client.get(response["Location"])
    assert (
        "<progress" in page.content.decode()
        and f"/api/v1/exports/{job.pk}/download/" in page.content.decode()
    )
    assert client.get(f"/api/v1/exports/{job.pk}/download/")["Content-Type"] == "application/pdf"
    assert browser(people, "outsider").get(response["Location"]).status_code == 404
    if name == "leader":
        data.pop("public")
        response = client.post("/compilations/", data)
        assert response.status_code == 400 and "public" in response.context["form"].errors


IMPORT_PAGE = Matrix.of(ALL, {"admin": 200}, default=403)


@IMPORT_PAGE.per_actor("name, expected")
def test_import_page(world, people, org, name, expected):
    response = browser(people, name).get("/imports/reports/")
    assert response.status_code == expected


def test_import_page_imports_or_names_the_error(world, people, org):
    client = browser(people, "admin")
    good = (
        f"type,unit,reported_at,state,description,complaint_kind\n"
        f"complaint,{org.unit_a.pk},2024-01-01,received,Text,klagomal\n"
    ).encode()
    before = Report.objects.count()
    response = client.post("/imports/reports/", {"file": SimpleUploadedFile("a.csv", good, "text/csv")})
    assert response.status_code == 302 and Report.objects.count() == before + 1
    bad = good + f"complaint,{org.unit_a.pk},2024-13-01,received,Text,klagomal\n".encode()
    response = client.post("/imports/reports/", {"file": SimpleUploadedFile("b.csv", bad, "text/csv")})
    assert response.status_code == 400 and Report.objects.count() == before + 1
    assert (
        response.context["errors"][0]["line"] == 3
        and response.context["errors"][0]["column"] == "reported_at"
    )
    assert AuditEvent.objects.filter(action="reports.imported").count() == 1
