"""Every endpoint as every member of the cast: who may, who may not, and that a case outside
someone's scope answers 404 exactly as a case that does not exist."""

import pytest
from django.utils import timezone

from tests.api.helpers import EVERYONE, Case, audit_rows, png, rolled_back, url
from tests.factories import ago
from tests.matrix import Matrix


def _json(method, path, body=None):
    return method, path, (lambda: body), "json"


ENDPOINTS = {
    "list cases": lambda c: _json("get", "/api/v1/reports/"),
    "file a case": lambda c: _json(
        "post",
        "/api/v1/reports/",
        {
            "type": "deviation",
            "unit": c.org.unit_a.pk,
            "description": "Larmet gick inte.",
            "occurred_at": ago(hours=1),
        },
    ),
    "read the case": lambda c: _json("get", url(c.report)),
    "list persons": lambda c: _json("get", url(c.report, "persons")),
    "add a person": lambda c: _json(
        "post", url(c.report, "persons"), {"name": "Brukare Två", "role": "Brukare"}
    ),
    "list investigation entries": lambda c: _json("get", url(c.report, "investigation-entries")),
    "add an investigation entry": lambda c: _json(
        "post",
        url(c.report, "investigation-entries"),
        {
            "text": "Larmloggen visar ett avbrott.",
            "entry_date": timezone.localdate().isoformat(),
            "source": "Larmlogg",
            "nature": "fact",
        },
    ),
    "read an investigation entry": lambda c: _json("get", url(c.report, "investigation-entries", c.entry.pk)),
    "replace an investigation entry": lambda c: _json(
        "put", url(c.report, "investigation-entries", c.entry.pk), {"text": "Ändrad."}
    ),
    "change an investigation entry": lambda c: _json(
        "patch", url(c.report, "investigation-entries", c.entry.pk), {"text": "Ändrad."}
    ),
    "delete an investigation entry": lambda c: _json(
        "delete", url(c.report, "investigation-entries", c.entry.pk)
    ),
    "set the risk": lambda c: _json("put", url(c.report, "risk"), {"probability": 2, "severity": 3}),
    "list causes": lambda c: _json("get", url(c.report, "causes")),
    "add a cause": lambda c: _json("post", url(c.report, "causes"), {"description": "Hög arbetsbelastning."}),
    "list actions": lambda c: _json("get", url(c.report, "actions")),
    "add an action": lambda c: _json(
        "post",
        url(c.report, "actions"),
        {
            "description": "Inför dubbelkontroll.",
            "kind": "preventive",
            "causes": [c.cause.pk],
            "owner": c.cast["manager_a"].pk,
            "due_date": timezone.localdate().isoformat(),
        },
    ),
    "update an action the reporter owns": lambda c: _json(
        "patch", url(c.report, "actions", c.action.pk), {"status": "in_progress"}
    ),
    "list information events": lambda c: _json("get", url(c.report, "information-events")),
    "add an information event": lambda c: _json(
        "post",
        url(c.report, "information-events"),
        {
            "person": c.person.pk,
            "informed_at": ago(hours=1),
            "channel": "Telefon",
            "person_view": "Vill bli hörd.",
        },
    ),
    "list attachments": lambda c: _json("get", url(c.report, "attachments")),
    "add an attachment": lambda c: (
        "post",
        url(c.report, "attachments"),
        lambda: {"file": png()},
        "multipart",
    ),
    "download an attachment": lambda c: _json(
        "get", url(c.report, "attachments", c.attachment.pk, "download")
    ),
    "list links": lambda c: _json("get", url(c.report, "links")),
    "route to a linked case": lambda c: _json(
        "post",
        url(c.report, "links"),
        {"target_type": "deviation", "reason": "Brister i rutinen utreds som avvikelse."},
    ),
    "list notifications": lambda c: _json("get", url(c.report, "notifications")),
    "decide to notify IVO": lambda c: _json(
        "post", url(c.report, "notifications"), {"decision": "Anmäls till IVO."}
    ),
    "submit the IVO notification": lambda c: _json(
        "post",
        url(c.report, "notifications", c.notification.pk, "transitions", "submit"),
        {"submitted_at": ago(minutes=5), "channel": "e_service"},
    ),
    "name an investigator": lambda c: _json(
        "post", url(c.report, "investigators"), {"user": c.cast["outsider"].pk}
    ),
    "read the audit trail": lambda c: _json("get", url(c.report, "audit")),
}

# A lex Sarah case of unit A under investigation, reported by `reporter`.
#                                         reporter  mgr_a  mgr_b  sas  decision_maker  dso  outsider  sas_other
LEX_SARAH = Matrix(
    EVERYONE,
    {
        "list cases": (200, 200, 200, 200, 200, 200, 200, 200),
        "file a case": (201, 201, 201, 201, 201, 201, 201, 201),
        "read the case": (200, 200, 404, 200, 200, 404, 404, 404),
        "list persons": (403, 200, 404, 200, 200, 404, 404, 404),
        "add a person": (403, 201, 404, 201, 403, 404, 404, 404),
        "list investigation entries": (403, 200, 404, 200, 200, 404, 404, 404),
        "add an investigation entry": (403, 201, 404, 201, 403, 404, 404, 404),
        "read an investigation entry": (403, 200, 404, 200, 200, 404, 404, 404),
        "replace an investigation entry": (405, 405, 405, 405, 405, 405, 405, 405),
        "change an investigation entry": (405, 405, 405, 405, 405, 405, 405, 405),
        "delete an investigation entry": (405, 405, 405, 405, 405, 405, 405, 405),
        "set the risk": (403, 200, 404, 200, 403, 404, 404, 404),
        "list causes": (403, 200, 404, 200, 200, 404, 404, 404),
        "add a cause": (403, 201, 404, 201, 403, 404, 404, 404),
        "list actions": (403, 200, 404, 200, 200, 404, 404, 404),
        "add an action": (403, 201, 404, 201, 403, 404, 404, 404),
        "update an action the reporter owns": (200, 200, 404, 200, 403, 404, 404, 404),
        "list information events": (403, 200, 404, 200, 200, 404, 404, 404),
        "add an information event": (403, 201, 404, 201, 403, 404, 404, 404),
        "list attachments": (403, 200, 404, 200, 200, 404, 404, 404),
        "add an attachment": (403, 201, 404, 201, 403, 404, 404, 404),
        "download an attachment": (403, 200, 404, 200, 200, 404, 404, 404),
        "list links": (403, 200, 404, 200, 200, 404, 404, 404),
        "route to a linked case": (403, 201, 404, 201, 403, 404, 404, 404),
        "list notifications": (403, 200, 404, 200, 200, 404, 404, 404),
        "decide to notify IVO": (403, 403, 404, 403, 201, 404, 404, 404),
        "submit the IVO notification": (403, 403, 404, 200, 200, 404, 404, 404),
        "name an investigator": (403, 403, 404, 201, 403, 404, 404, 404),
        "read the audit trail": (403, 200, 404, 200, 403, 404, 404, 404),
    },
)

# A personal data breach of unit A, just reported by `reporter`: only the DSO and the SAS
# (and the reporter, for their own report) may see it; only the DSO changes it, the SAS reads.
#                                         reporter  mgr_a  mgr_b  sas  decision_maker  dso  outsider  sas_other
DATA_BREACH = Matrix(
    EVERYONE,
    {
        "read the case": (200, 404, 404, 200, 404, 200, 404, 404),
        "list persons": (403, 404, 404, 200, 404, 200, 404, 404),
        "add a person": (201, 404, 404, 403, 404, 201, 404, 404),
        "add an attachment": (201, 404, 404, 403, 404, 201, 404, 404),
        "download an attachment": (403, 404, 404, 200, 404, 200, 404, 404),
        "set the risk": (403, 404, 404, 403, 404, 200, 404, 404),
        "list actions": (403, 404, 404, 200, 404, 200, 404, 404),
        "update an action the reporter owns": (200, 404, 404, 403, 404, 200, 404, 404),
        "route to a linked case": (403, 404, 404, 403, 404, 400, 404, 404),
        "list notifications": (403, 404, 404, 200, 404, 200, 404, 404),
        "decide to notify IVO": (404, 404, 404, 404, 404, 404, 404, 404),
        "name an investigator": (403, 404, 404, 403, 404, 201, 404, 404),
        "read the audit trail": (403, 404, 404, 200, 404, 200, 404, 404),
    },
)


def statuses(case, endpoint, client_as):
    """The status each member of the cast gets; a refusal must leave no trace of a change."""
    method, path, body, fmt = ENDPOINTS[endpoint](case)
    result = {}
    for name in EVERYONE:
        with rolled_back():
            changes = audit_rows("change")
            response = getattr(client_as(name), method)(path, body(), format=fmt)
            result[name] = response.status_code
            if response.status_code >= 400:
                assert audit_rows("change") == changes, (endpoint, name)
    return result


# One test per endpoint: the case is built once and each member of the cast asks in turn.
@LEX_SARAH.per_row("endpoint, expected")
def test_each_endpoint_answers_each_member_of_the_cast_on_a_lex_sarah_case(
    endpoint, expected, cast, org, client_as
):
    case = Case(cast, org, "lex_sarah", "investigating")
    assert statuses(case, endpoint, client_as) == expected


@DATA_BREACH.per_row("endpoint, expected")
def test_each_endpoint_answers_each_member_of_the_cast_on_a_data_breach(
    endpoint, expected, cast, org, client_as
):
    case = Case(cast, org, "data_breach", "reported")
    assert statuses(case, endpoint, client_as) == expected


@pytest.mark.parametrize("path", ["", "persons", "actions", "audit", "links"])
def test_a_case_outside_the_scope_answers_like_one_that_does_not_exist(path, cast, org, client_as):
    case = Case(cast, org, "lex_sarah", "reported")
    client = client_as("sas_other")
    hidden = client.get(url(case.report, *filter(None, [path])))
    missing = client.get(url(case.report.pk + 1000, *filter(None, [path])))
    assert (
        (hidden.status_code, hidden.json()) == (missing.status_code, missing.json()) == (404, missing.json())
    )
