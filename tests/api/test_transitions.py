"""Every transition of every type through the API, as every member of the cast."""

from cases.models import Report, Term
from tests.api.helpers import EVERYONE, Case, audit_rows, rolled_back, url
from tests.factories import finish_regulator_notifications, prepare, transition_data
from tests.matrix import Matrix

# type, transition, from, to, who may
TRANSITIONS = [
    ("deviation", "assess", "reported", "assessed", {"manager_a", "sas"}),
    ("deviation", "complete_investigation", "assessed", "investigated", {"manager_a", "sas"}),
    ("deviation", "record_actions", "investigated", "actions_taken", {"manager_a", "sas"}),
    ("deviation", "follow_up", "actions_taken", "followed_up", {"manager_a", "sas"}),
    ("deviation", "close", "followed_up", "closed", {"manager_a", "sas"}),
    ("complaint", "register", "received", "registered", {"manager_a", "sas"}),
    ("complaint", "investigate", "registered", "investigated", {"manager_a", "sas"}),
    ("complaint", "answer", "investigated", "answered", {"manager_a", "sas"}),
    ("complaint", "close", "answered", "closed", {"manager_a", "sas"}),
    ("lex_sarah", "record_immediate_measures", "reported", "measures_taken", {"manager_a", "sas"}),
    ("lex_sarah", "register", "measures_taken", "registered", {"sas"}),
    ("lex_sarah", "close_outside_scope", "registered", "outside_scope", {"sas"}),
    ("lex_sarah", "start_investigation", "registered", "investigating", {"sas"}),
    ("lex_sarah", "assess", "investigating", "assessed", {"sas"}),
    ("lex_sarah", "decide", "assessed", "decided", {"decision_maker"}),
    ("lex_sarah", "close", "decided", "closed", {"sas"}),
    ("data_breach", "assess", "reported", "assessed", {"dso"}),
    ("data_breach", "decide", "assessed", "decided", {"dso"}),
    ("data_breach", "close", "decided", "closed", {"dso"}),
]

# Who sees a case that `reporter` filed in unit A.
SEES = {
    "deviation": {"reporter", "manager_a", "sas", "decision_maker"},
    "complaint": {"reporter", "manager_a", "sas", "decision_maker"},
    "lex_sarah": {"reporter", "manager_a", "sas", "decision_maker"},
    "data_breach": {"reporter", "sas", "dso"},
}


# Each transition as each member of the cast: 200 for who may, 403 for who sees the case and
# may not, 404 for the rest.
STATUS = Matrix(
    EVERYONE,
    {
        (report_type, name): Matrix.of_groups(
            EVERYONE, [(allowed, 200), (SEES[report_type], 403)], default=404
        ).expected()
        for report_type, name, _source, _target, allowed in TRANSITIONS
    },
)
STEP = {
    (report_type, name): (source, target, allowed)
    for report_type, name, source, target, allowed in TRANSITIONS
}


def ready(cast, org, report_type, name, source):
    case = Case(cast, org, report_type, source)
    if name == "close":
        finish_regulator_notifications(case.report, cast)
    prepare(case.report, name, cast)
    return case.report


def lex_sarah_categories(how_many):
    terms = Term.objects.filter(vocabulary="lex_sarah_category", parent=None)
    return list(terms.values_list("pk", flat=True)[:how_many])


def state_of(report):
    return Report.objects.get(pk=report.pk).state


@STATUS.per_row("report_type, name, expected")
def test_each_transition_is_open_to_its_roles_and_refused_to_everyone_else(
    report_type, name, expected, cast, org, client_as
):
    source, target, allowed = STEP[(report_type, name)]
    report = ready(cast, org, report_type, name, source)
    data = transition_data(report, name, cast)
    for member, status in expected.items():
        client = client_as(member)
        with rolled_back():
            offered = client.get(url(report))
            if member in SEES[report_type]:
                assert (name in {t["name"] for t in offered.json()["available_transitions"]}) == (
                    member in allowed
                )
            rows = audit_rows()
            response = client.post(url(report, "transitions", name), data, format="json")
            if status == 200:
                assert response.status_code == 200, (member, response.json())
                assert response.json()["state"] == target == state_of(report)
            else:
                assert response.status_code == status, member
                assert state_of(report) == source
                assert audit_rows() == rows


def test_a_transition_not_allowed_in_the_current_state_is_a_conflict(cast, org, client_as):
    report = Case(cast, org, "deviation", "reported").report
    rows = audit_rows()
    response = client_as("manager_a").post(
        url(report, "transitions", "close"), {"decision": "Klart."}, format="json"
    )
    assert response.status_code == 409
    assert state_of(report) == "reported" and audit_rows() == rows


def test_a_state_changed_underneath_is_a_conflict(cast, org, client_as, monkeypatch):
    from cases import forms

    report = Case(cast, org, "deviation", "reported").report
    clean = forms.DeviationAssessForm.clean
    meanwhile = []

    def someone_else_assesses_meanwhile(form):
        meanwhile.append(Report.objects.filter(pk=report.pk).update(state="assessed"))
        return clean(form)

    monkeypatch.setattr(forms.DeviationAssessForm, "clean", someone_else_assesses_meanwhile)
    rows = audit_rows()
    response = client_as("manager_a").post(
        url(report, "transitions", "assess"), transition_data(report, "assess", cast), format="json"
    )
    assert meanwhile == [1]
    assert response.status_code == 409
    assert audit_rows() == rows


def test_an_unknown_transition_is_not_found(cast, org, client_as):
    report = Case(cast, org, "deviation", "reported").report
    for name in ["teleport", "save", "delete", "register", "_meta"]:
        assert (
            client_as("manager_a").post(url(report, "transitions", name), {}, format="json").status_code
            == 404
        )


def test_a_missing_mandatory_field_is_named_and_nothing_is_half_saved(cast, org, client_as):
    report = Case(cast, org, "lex_sarah", "measures_taken").report
    data = transition_data(report, "register", cast)
    del data["categories"]
    rows = audit_rows()
    response = client_as("sas").post(url(report, "transitions", "register"), data, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["categories"]
    assert state_of(report) == "measures_taken"
    assert Report.objects.get(pk=report.pk).chair_informed_at is None
    assert audit_rows() == rows


def test_a_rule_across_fields_is_reported_as_a_non_field_error(cast, org, client_as):
    report = Case(cast, org, "deviation", "assessed").report
    response = client_as("manager_a").post(
        url(report, "transitions", "complete_investigation"),
        {"investigation_summary": "Klar."},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    assert state_of(report) == "assessed"


def test_lists_in_a_json_body_keep_every_value(cast, org, client_as):
    report = Case(cast, org, "lex_sarah", "measures_taken").report
    categories = lex_sarah_categories(2)
    data = {**transition_data(report, "register", cast), "categories": categories}
    response = client_as("sas").post(url(report, "transitions", "register"), data, format="json")
    assert response.status_code == 200
    assert sorted(c["id"] for c in response.json()["categories"]) == sorted(categories)


def test_lists_of_choices_and_ids_survive_for_a_breach_assessment(cast, org, client_as):
    report = Case(cast, org, "data_breach", "reported").report
    data_categories = list(
        Term.objects.filter(vocabulary="breach_data_category").values_list("pk", flat=True)[:3]
    )
    data = {
        **transition_data(report, "assess", cast),
        "breach_nature": ["confidentiality", "availability"],
        "data_categories": data_categories,
    }
    body = client_as("dso").post(url(report, "transitions", "assess"), data, format="json").json()
    assert body["breach_nature"] == ["confidentiality", "availability"]
    assert sorted(c["id"] for c in body["data_categories"]) == sorted(data_categories)


def test_a_form_post_with_repeated_fields_works_as_well(cast, org, client_as):
    report = Case(cast, org, "lex_sarah", "measures_taken").report
    categories = lex_sarah_categories(2)
    data = {**transition_data(report, "register", cast), "categories": categories}
    response = client_as("sas").post(url(report, "transitions", "register"), data, format="multipart")
    assert response.status_code == 200
    assert len(response.json()["categories"]) == 2
