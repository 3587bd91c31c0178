"""The IVO lex Sarah anmälan carries the blankett's content (legal.md §1.5(c), §10): sender's
case number, allvarligt missförhållande or påtaglig risk, who notifies (with organisation
number), where and when, contact, description, measures with their times, whether the
individual was informed, and the investigation attached when finished; in the JSON and PDF."""

import io
import json
from types import SimpleNamespace

import pytest
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from cases.models import OrgUnit
from cases.services import do_add_affected_person, do_add_information_event
from reporting.services.documents import _notifying_body, regulator_document
from tests.factories import ago, file, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def lex_sarah(cast, org):
    OrgUnit.objects.filter(pk=org.kommun.pk).update(organisation_number="212000-0142")
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
    person = do_add_affected_person(
        report.pk, acting_user=cast["sas"], data={"name": "Anna Andersson", "role": "Brukare"}
    )
    do_add_information_event(
        report.pk,
        acting_user=cast["sas"],
        data={
            "person": person.pk,
            "informed_at": ago(hours=2),
            "channel": "Telefon till Anna Anderssons god man",
            "journal_note_recorded": True,
        },
    )
    return report


def document(cast, report, fmt, language="sv"):
    client = APIClient()
    client.force_authenticate(cast["sas"])
    return client.get(
        f"/api/v1/reports/{report.pk}/regulator-document/", {"format": fmt}, HTTP_ACCEPT_LANGUAGE=language
    )


def test_the_json_has_every_field_of_the_blankett(lex_sarah, cast, org):
    doc = json.loads(document(cast, lex_sarah, "json").content)
    assert doc["sender_case_number"] == lex_sarah.case_number
    assert doc["concerns"] in ("allvarligt_missforhallande", "pataglig_risk_for_allvarligt_missforhallande")
    assert doc["notifying_body"] == {
        "kind": "namnd",
        "name": "Socialnämnden",
        "organisation_number": "212000-0142",
        "municipality": "Exempelkommun",
    }
    where = doc["where_and_when"]
    assert where["unit"] == "Hemtjänst Centrum" and where["private_provider"] is False
    assert (
        where["place"]
        == "Exempelkommun › Socialnämnden › Socialförvaltningen › Äldreomsorg › Hemtjänst Centrum"
    )
    assert where["occurred_at"] and where["noticed_at"]
    assert doc["contact"]["name"] and doc["contact"]["title"] and doc["contact"]["email"]
    assert doc["description"] and doc["measures"]
    for measure in doc["measures"]:
        assert {"kind", "text", "taken_at", "status"} <= set(measure)
    assert doc["individual_informed"] == {
        "informed": True,
        "persons_concerned": 1,
        "persons_informed": 1,
        "first_informed_at": doc["individual_informed"]["first_informed_at"],
        "journal_note_recorded": True,
    }
    assert doc["individual_informed"]["first_informed_at"]
    assert doc["investigation_finished"] is True and doc["investigation_attached"] is True
    assert doc["investigation"] and doc["investigation_to_follow"] is None
    assert doc["decision_to_notify"] is None or doc["decision_to_notify"]["delegate_title"]
    text = json.dumps(doc, ensure_ascii=False)
    for secret in ("Anna", "Andersson", "19450101-1234", "070-123", "god man"):
        assert secret not in text


def test_the_pdf_carries_the_fields(lex_sarah, cast):
    def text_of(language):
        pdf = document(cast, lex_sarah, "pdf", language)
        return " ".join(
            " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).split()
        )

    english, swedish = text_of("en"), text_of("sv")
    for expected in (
        lex_sarah.case_number,
        "212000-0142",
        "Exempelkommun › Socialnämnden",
        "Hemtjänst Centrum",
        "Persons informed: 1",
        "Journal note recorded: Yes",
        "Organisation number",
        "The individual or their representative has been informed",
        "The investigation is attached",
    ):
        assert expected in english, expected
    for expected in (
        lex_sarah.case_number,
        "212000-0142",
        "Organisationsnummer: 212000-0142",
        "Journalanteckning gjord: Ja",
        "Utredningen bifogas",
    ):
        assert expected in swedish, expected
    assert "Andersson" not in english + swedish and "19450101" not in english + swedish


def test_a_private_provider_notifies_with_its_own_organisation_number(lex_sarah, org):
    OrgUnit.objects.filter(pk=org.unit_b.pk).update(organisation_number="556000-0001")
    lex_sarah.unit = OrgUnit.objects.get(pk=org.unit_b.pk)
    body = _notifying_body(lex_sarah)
    assert body == {
        "kind": "enskild_verksamhet",
        "name": "Omsorg AB (privat)",
        "organisation_number": "556000-0001",
        "board_informed": "Socialnämnden",
        "municipality": "Exempelkommun",
    }


def test_an_unfinished_investigation_follows_later(cast, org):
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    notification = SimpleNamespace(decided_by=cast["decision_maker"], decided_at=timezone.now())
    doc = regulator_document(report, "ivo", notification=notification)
    assert doc["investigation_finished"] is False and doc["investigation_attached"] is False
    assert doc["investigation"] == [] and "två månader" in doc["investigation_to_follow"]
    assert doc["individual_informed"]["informed"] is False
