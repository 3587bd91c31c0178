"""The registry of a case's parts (cases.parts) against its four consumers: the API's full case,
the API's routes below a case, the case page's sections and the URLs of the case's web forms.
Each consumer's list is the registry's."""

import re

import pytest
from django.urls import Resolver404, resolve, reverse
from rest_framework.serializers import BaseSerializer

from cases import parts
from cases.api import urls as api_urls
from cases.api.serializers import FULL_SERIALIZERS, FullCaseSerializer, PartField
from cases.models import ReportType
from cases.web import case as web_case
from tests.factories import file

# The routes below a case that belong to the case itself, not to one of its parts.
CASE_ROUTES = {"report-transition", "investigator-list", "key-time"}


def test_the_full_case_nests_exactly_the_registrys_collections():
    fields = FullCaseSerializer().fields
    # A part's collection: a list read by its reader, or a serializer over the case itself.
    nested = {
        name
        for name, field in fields.items()
        if isinstance(field, PartField) or (isinstance(field, BaseSerializer) and field.source == "*")
    }
    assert nested == {collection.field for collection in parts.collections()}
    for serializer in FULL_SERIALIZERS.values():
        assert {c.field for c in parts.collections()} <= set(serializer().fields)


def test_each_collection_is_shown_with_its_registered_serializer():
    fields = FullCaseSerializer().fields
    for collection in parts.collections():
        field = fields[collection.field]
        if collection.read is None:
            assert isinstance(field, collection.serializer_class)
        else:
            assert field.collection is collection


def test_the_api_routes_below_a_case_are_the_registrys_and_the_cases_own():
    names = [pattern.name for pattern in api_urls.case_parts]
    assert sorted(names) == sorted([route.name for route in parts.routes()] + sorted(CASE_ROUTES))
    for route in parts.routes():
        path = reverse(f"api:{route.name}", kwargs={"report_id": 1, **_arguments(route.pattern)})
        assert path.startswith("/api/v1/reports/1/" + route.pattern.split("<")[0])


def _arguments(pattern):
    return {name: 2 if kind == "int" else "x" for kind, name in re.findall(r"<(\w+):(\w+)>", pattern)}


def test_the_web_forms_are_the_registrys_and_only_theirs_have_a_url():
    assert set(web_case.PARTS) == set(parts.form_names())
    assert len(parts.form_names()) == len(set(parts.form_names()))
    for name in parts.form_names():
        assert reverse("web:part", args=[1, name]) == f"/cases/1/{name}/"
    with pytest.raises(Resolver404):
        resolve("/cases/1/not-a-part/")
    assert resolve("/cases/1/persons/").kwargs == {"report_id": 1, "part_name": "persons"}


def test_every_part_has_a_template_and_a_label():
    from django.template.loader import get_template

    assert len({part.key for part in parts.PARTS}) == len(parts.PARTS)
    for part in parts.PARTS:
        assert str(part.label)
        get_template(part.template)


@pytest.mark.django_db
@pytest.mark.parametrize("report_type", [ReportType.DEVIATION, ReportType.LEX_SARAH])
def test_the_case_page_shows_the_sections_the_registry_gives_the_user_in_its_order(
    client, cast, org, report_type
):
    report = file(report_type, cast["reporter"], org.unit_a)
    for user in ("sas", "manager_a"):
        client.force_login(cast[user])
        page = client.get(reverse("web:case", args=[report.pk])).content.decode()
        shown = re.findall(r'<section id="([\w-]+)"', page)
        expected = [part.key for part in parts.sections(cast[user], report.typed())]
        assert shown == expected
        nav = re.search(r'<nav class="case-nav".*?</nav>', page, re.S).group(0)
        assert re.findall(r'href="#([\w-]+)"', nav) == [
            p.key for p in parts.PARTS if p.key in expected and p.nav
        ]
    assert ("notifications" in expected) == (report_type == ReportType.LEX_SARAH)


@pytest.mark.django_db
def test_a_part_added_to_the_registry_shows_on_the_page(client, cast, org, monkeypatch):
    added = parts.CasePart("extra", "Extra", "web/parts/decision.html")
    monkeypatch.setattr(parts, "PARTS", (*parts.PARTS, added))
    report = file(ReportType.DEVIATION, cast["reporter"], org.unit_a)
    client.force_login(cast["sas"])
    page = client.get(reverse("web:case", args=[report.pk])).content.decode()
    assert 'href="#extra">Extra</a>' in page
