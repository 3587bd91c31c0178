"""The IVO lex Maria anmälan (patientsäkerhetslagen 3 kap. 5 §, HSLF-FS 2017:41): pre-filled
from the case and minimised (no patient named), read only by the MAS who notifies, and frozen
byte for byte, JSON and PDF with their SHA-256, when the MAS records it as sent."""

import hashlib
import io
import json

import pytest
from pypdf import PdfReader
from rest_framework.test import APIClient

from cases.models import OrgUnit
from cases.services import (
    do_add_affected_person,
    do_add_information_event,
    do_decide_ivo_notification,
    do_notification_transition,
)
from reporting.models import RegulatorDocument
from tests.api.helpers import EVERYONE
from tests.factories import ago, file, walk_to
from tests.matrix import Matrix

pytestmark = pytest.mark.django_db


def client(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def url(report):
    return f"/api/v1/reports/{report.pk}/regulator-document/"


@pytest.fixture
def lex_maria(cast, org):
    OrgUnit.objects.filter(pk=org.kommun.pk).update(organisation_number="212000-0142")
    report = walk_to(
        file(
            "lex_maria",
            cast["reporter"],
            org.unit_a,
            description="Karin Berg 19400202-2222 fick dubbel dos insulin; dottern nås på 070-765 43 21.",
        ),
        "decided",
        cast,
    )
    person = do_add_affected_person(
        report.pk, acting_user=cast["mas"], data={"name": "Karin Berg", "role": "Patient"}
    )
    do_add_information_event(
        report.pk,
        acting_user=cast["mas"],
        data={
            "person": person.pk,
            "informed_at": ago(hours=2),
            "channel": "Samtal med Karin Bergs dotter",
            "journal_note_recorded": True,
        },
    )
    return report


# Who may read the lex Maria document of a case in unit A: the MAS, who notifies IVO. The unit
# manager and the reporter see the case (403); the SAS, the decision maker and the rest do not (404).
STATUS = Matrix.of([*EVERYONE, "mas"], {"mas": 200, "manager_a": 403, "reporter": 403}, default=404)


@STATUS.per_actor("name, expected")
def test_the_lex_maria_document_as_the_cast(lex_maria, cast, name, expected):
    assert client(cast[name]).get(url(lex_maria), {"format": "json"}).status_code == expected


def test_the_draft_has_the_content_of_the_anmalan_and_names_no_one(lex_maria, cast, org):
    response = client(cast["mas"]).get(url(lex_maria), {"format": "json"})
    document = json.loads(response.content)
    assert response["X-Document-Status"] == "draft"
    assert document["form"] == "IVO anmälan enligt lex Maria"
    assert document["legal_basis"] == "3 kap. 5 § patientsäkerhetslagen (2010:659); HSLF-FS 2017:41"
    assert document["sender_case_number"] == lex_maria.case_number
    assert document["concerns"] == "allvarlig_vardskada"
    assert document["injury"] == "Allvarlig vårdskada"
    assert document["risk"] == {"probability": 3, "severity": 4, "score": 12}
    assert document["notifying_body"] == {
        "kind": "namnd",
        "name": "Socialnämnden",
        "organisation_number": "212000-0142",
        "municipality": "Exempelkommun",
    }
    assert document["where_and_when"]["unit"] == org.unit_a.name
    assert document["contact"]["name"] == cast["mas"].display_name
    assert document["decision_to_notify"]["legal_basis"] == "3 kap. 5 § patientsäkerhetslagen (2010:659)"
    assert document["patients_concerned"] == 1
    assert document["individual_informed"]["informed"] is True
    assert document["categories"] == ["Läkemedel"]
    assert document["investigation_finished"] is True
    assert {entry["topic"] for entry in document["care_investigation"]} >= {
        "Händelseförloppet",
        "Faktorer som har påverkat händelseförloppet",
    }
    assert "investigation" not in document  # the lex Sarah key (SOSFS 2011:5) is not used
    for secret in ("Karin", "Berg", "19400202-2222", "070-765"):
        assert secret not in response.content.decode()
    pdf = client(cast["mas"]).get(url(lex_maria), {"format": "pdf"})
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "IVO anmälan enligt lex Maria" in text and lex_maria.case_number in text and "Berg" not in text


def test_submitting_freezes_the_document_with_its_hash(lex_maria, cast):
    notification = lex_maria.regulator_notifications.get()
    notification = do_notification_transition(
        lex_maria.pk,
        notification.pk,
        "submit",
        acting_user=cast["mas"],
        data={
            "submitted_at": ago(minutes=1),
            "channel": "e_service",
            "regulator_case_number": "IVO 3.4-999/2026",
        },
    )
    frozen = RegulatorDocument.objects.get(notification=notification)
    assert frozen.verifies() and frozen.frozen_by == cast["mas"]
    assert (
        frozen.json_sha256
        == notification.document_sha256
        == hashlib.sha256(bytes(frozen.json_bytes)).hexdigest()
    )
    assert json.loads(bytes(frozen.json_bytes))["form"] == "IVO anmälan enligt lex Maria"
    # The case changes afterwards; what was sent does not.
    do_add_affected_person(lex_maria.pk, acting_user=cast["mas"], data={"name": "Per Ek", "role": "Patient"})
    for fmt, stored, digest in (
        ("json", frozen.json_bytes, frozen.json_sha256),
        ("pdf", frozen.pdf_bytes, frozen.pdf_sha256),
    ):
        response = client(cast["mas"]).get(url(lex_maria), {"format": fmt})
        assert response.content == bytes(stored)
        assert response["X-Document-SHA256"] == digest == hashlib.sha256(response.content).hexdigest()
        assert response["X-Document-Status"] == "frozen"
        assert response["X-Regulator-Case-Number"] == "IVO 3.4-999/2026"


def test_an_unfinished_investigation_follows_snarast(cast, org):
    report = walk_to(file("lex_maria", cast["reporter"], org.unit_a), "investigating", cast)
    do_decide_ivo_notification(report.pk, acting_user=cast["mas"], data={"decision": "Anmäls snarast."})
    document = json.loads(client(cast["mas"]).get(url(report), {"format": "json"}).content)
    assert document["investigation_finished"] is False and document["care_investigation"] == []
    assert "snarast" in document["investigation_to_follow"]
    assert document["concerns"] == "risk_for_allvarlig_vardskada"  # not assessed yet: the risk
