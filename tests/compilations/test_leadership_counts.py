"""Leadership counts cases it may not see one by one, so every count shown to it goes through
the public compilations' small-count suppression: the statistics API, the statistics page with
its charts, and the compilations and exports leadership may make (public only). Tested as the
cast's leadership of Socialnämnden, with the SAS of the same board (who may see every case)
as the control that gets the same counts unhidden."""

import csv
import io
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from lib.suppression import determined_cells
from lib.table import Table
from reporting.models import ExportJob, SuppressionRule

pytestmark = pytest.mark.django_db

PERIOD = {"from": "2025-03-01", "to": "2025-10-31"}
DIMENSIONS = ["type", "kind", "category", "unit", "namnd", "risk", "state"]
QUERIES = [{"by": by, "period": period} for by in DIMENSIONS for period in ("tertial", "year")] + [
    {"by": "type", "period": "month"},
    {"by": "unit", "period": "half", "type": "lex_sarah"},
]


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def statistics(user, query):
    response = api(user).get("/api/v1/statistics/", {**PERIOD, **query})
    assert response.status_code == 200, response.content
    return response.json()


def shown_counts(result):
    for row in result["rows"]:
        yield from [*row["counts"], row["total"]]
    yield from [*result["totals"], result["total"]]
    yield from (point["count"] for point in result["trend"])


def as_table(result):
    """What leadership was shown, as the table its sums make, with the hidden cells marked."""
    width = len(result["periods"])
    rows = [[row["label"], *row["counts"], row["total"]] for row in result["rows"]]
    rows.append(["", *result["totals"], result["total"]])
    table = Table(
        key="shown",
        title="",
        columns=["", *result["periods"], ""],
        rows=rows,
        counts=list(range(1, width + 2)),
        total_row=True,
        total_column=width + 1,
        row_parts=list(range(1, width + 1)),
    )
    table.suppressed = {(r, c) for r, row in enumerate(rows) for c in table.counts if row[c] is None}
    return table


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "-".join(q.values()))
def test_leadership_is_never_shown_a_small_count_nor_one_it_could_work_out(world, people, query):
    threshold = SuppressionRule.threshold_on()
    result = statistics(people["leadership"], query)
    assert result["threshold"] == threshold
    assert not [n for n in shown_counts(result) if n is not None and 0 < n < threshold], result
    assert determined_cells(as_table(result)) == []
    if any(n is None for n in shown_counts(result)):
        assert result["footnotes"]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "-".join(q.values()))
def test_what_leadership_is_shown_is_the_sas_count_of_the_same_whole_periods(world, people, query):
    led = statistics(people["leadership"], query)
    control = statistics(people["sas"], {**query, "from": led["from"], "to": led["to"]})
    assert control["threshold"] is None and control["footnotes"] == []
    assert led["periods"] == control["periods"]
    full = {row["label"]: row for row in control["rows"]}
    assert {row["label"] for row in led["rows"]} == set(full)
    for row in led["rows"]:
        for shown, true in zip(
            [*row["counts"], row["total"]],
            [*full[row["label"]]["counts"], full[row["label"]]["total"]],
            strict=True,
        ):
            assert shown in (None, true)
    assert led["total"] in (None, control["total"])


def test_the_suppression_hides_something_in_this_world_and_the_sas_sees_it(world, people):
    led = statistics(people["leadership"], {"by": "type", "period": "tertial"})
    assert None in list(shown_counts(led))
    sas = statistics(people["sas"], {"by": "type", "period": "tertial"})
    assert None not in list(shown_counts(sas)) and any(0 < n < 5 for n in shown_counts(sas))


def test_leadership_counts_whole_periods_only(world, people):
    result = statistics(
        people["leadership"], {"by": "type", "period": "tertial", "from": "2025-03-15", "to": "2025-05-02"}
    )
    assert (result["from"], result["to"]) == ("2025-01-01", "2025-08-31")
    result = statistics(
        people["leadership"], {"by": "type", "period": "month", "from": "2025-02-10", "to": "2025-02-11"}
    )
    assert (result["from"], result["to"]) == ("2025-02-01", "2025-02-28")


def test_the_threshold_is_the_reference_datas(world, people):
    SuppressionRule.objects.all().delete()
    SuppressionRule.objects.create(threshold=1)
    result = statistics(people["leadership"], {"by": "type", "period": "tertial"})
    assert result["threshold"] == 1 and None not in list(shown_counts(result))


def test_the_statistics_page_and_its_charts_show_leadership_no_small_count(world, people):
    client = Client()
    client.force_login(people["leadership"])
    response = client.get("/statistics/", {**PERIOD, "by": "type", "period": "tertial"})
    assert response.status_code == 200
    html = response.content.decode()
    cells = re.findall(r"<td>([^<]*)</td>", html)
    bars = re.findall(r'font-size="13">([^<]*)</text>', html)
    described = re.findall(r"<desc[^>]*>([^<]*)</desc>", html)
    numbers = [
        int(n) for n in cells + bars + re.findall(r": (\d+)", " ".join(described)) if n.strip().isdigit()
    ]
    assert "*" in cells and not [n for n in numbers if 0 < n < 5]
    assert "/statistics/cases/" not in html
    sas = Client()
    sas.force_login(people["sas"])
    assert "*" not in re.findall(
        r"<td>([^<]*)</td>",
        sas.get("/statistics/", {**PERIOD, "by": "type", "period": "tertial"}).content.decode(),
    )


def test_a_leadership_that_also_sees_every_case_gets_the_counts_unhidden(world, people, org):
    from cases.models import Role
    from cases.services import do_grant_role

    do_grant_role(people["leadership"], Role.SAS, org.sn, acting_user=None)
    # The SAS does not read lex Maria cases (the MAS does): every case takes both.
    do_grant_role(people["leadership"], Role.MAS, org.sn, acting_user=None)
    result = statistics(people["leadership"], {"by": "type", "period": "tertial"})
    assert result["threshold"] is None and None not in list(shown_counts(result))


def test_every_compilation_leadership_may_make_is_the_suppressed_public_one(
    world, people, django_capture_on_commit_callbacks
):
    client = api(people["leadership"])
    board = {"namnd": world.org.sn.pk, **PERIOD}
    assert client.get("/api/v1/compilations/", {**board, "public": "false"}).status_code == 404
    data = client.get("/api/v1/compilations/", {**board, "public": "true"}).json()
    threshold = data["threshold"]
    assert data["public"] is True and threshold == SuppressionRule.threshold_on()
    for table in data["tables"]:
        small = [
            v
            for row in table["rows"]
            for v in row
            if isinstance(v, int) and not isinstance(v, bool) and 0 < v < threshold
        ]
        assert not small, (table["key"], small)
    exported = client.get("/api/v1/compilations/", {**board, "public": "true", "format": "csv"})
    assert exported.status_code == 200
    text = exported.content.decode("utf-8-sig")
    assert "*" in text
    assert (
        client.get("/api/v1/compilations/", {**board, "public": "false", "format": "csv"}).status_code == 404
    )
    assert not ExportJob.objects.filter(requested_by=people["leadership"], params__public=False).exists()
    reader = csv.reader(io.StringIO(text), delimiter=";")  # Swedish CSV: semicolons
    assert any("*" in row for row in reader)
