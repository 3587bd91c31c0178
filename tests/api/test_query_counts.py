"""Query counts of the list endpoints are pinned and do not grow with what is listed.

Per request: the token, the user's roles, the page (count and rows, or the case, the user's
per-case grant and the part) and the read-log row (the chain's head, read with its lock, the
row's insert and the head's upsert; the same three on SQLite and PostgreSQL).
"""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.helpers import Case, url
from tests.factories import file
from tests.queries import assert_num_queries

PINNED = {"reports": 7, "persons": 8, "actions": 9}


def pinned(endpoint):
    return PINNED[endpoint]


@pytest.fixture
def sas_by_token(cast):
    """A fresh user object per request, as in production, so nothing is cached between requests."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=cast['sas']).key}")
    return client


@pytest.mark.parametrize("how_many", [3, 30])
def test_the_case_list_takes_the_same_queries_for_3_or_30_cases(how_many, cast, org, sas_by_token):
    for _ in range(how_many):
        file("deviation", cast["reporter"], org.unit_a)
    with assert_num_queries(pinned("reports")):
        response = sas_by_token.get("/api/v1/reports/", {"page_size": how_many})
    assert len(response.json()["results"]) == how_many


@pytest.mark.parametrize("how_many", [3, 30])
@pytest.mark.parametrize("part", ["persons", "actions"])
def test_the_lists_of_a_case_take_the_same_queries_for_3_or_30_items(part, how_many, cast, org, sas_by_token):
    case = Case(cast, org, "deviation", "assessed")
    for _ in range(how_many):
        case.another(part.removesuffix("s"))
    with assert_num_queries(pinned(part)):
        response = sas_by_token.get(url(case.report, part))
    assert len(response.json()) == how_many
