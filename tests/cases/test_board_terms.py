"""A board's own terms: offered and accepted on that board's cases beside the shared ones,
never on another board's; kept apart from shared codes; listed in that board's compilations;
and the home units existing users get from their grants (migration 0013)."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from cases import forms
from cases.models import OrgUnit, Role, Term, User
from cases.services import do_grant_role, do_import_reports
from reporting.selectors.compilation import board_compilation
from reporting.selectors.tables import Scope
from tests.factories import file

pytestmark = pytest.mark.django_db

home_units_from_grants = importlib.import_module(
    "cases.migrations.0014_adm_home_unit_and_board_terms"
).home_units_from_grants


@pytest.fixture
def own_terms(org):
    def term(board, code):
        return Term.objects.create(
            vocabulary=Term.Vocabulary.DEVIATION_CATEGORY,
            code=code,
            name=f"Egen {board.case_number_prefix}",
            board=board,
        )

    return {"sn": term(org.sn, "nattpersonal"), "on": term(org.on, "nattpersonal")}


def assess_form(report, category):
    return forms.DeviationAssessForm(
        data={"category": category.pk, "probability": 1, "severity": 1}, report=report, user=None
    )


def test_a_case_is_offered_the_shared_terms_and_its_own_boards_never_another_boards(org, cast, own_terms):
    report = file("deviation", cast["reporter"], org.unit_a)
    offered = set(assess_form(report, own_terms["sn"]).fields["category"].queryset)
    shared = set(
        Term.objects.filter(vocabulary=Term.Vocabulary.DEVIATION_CATEGORY, board__isnull=True).valid_on()
    )
    assert offered == shared | {own_terms["sn"]}


def test_a_case_accepts_its_own_boards_term_and_refuses_another_boards(org, cast, own_terms):
    report = file("deviation", cast["reporter"], org.unit_a)
    assert assess_form(report, own_terms["sn"]).is_valid()
    refused = assess_form(report, own_terms["on"])
    assert not refused.is_valid() and "category" in refused.errors


def test_the_multiple_choice_terms_follow_the_cases_board(org, cast):
    own = Term.objects.create(
        vocabulary=Term.Vocabulary.LEX_SARAH_CATEGORY, code="egen", name="Egen", board=org.on
    )
    report = file("lex_sarah", cast["reporter"], org.unit_a)
    form = forms.LexSarahRegisterForm(report=report, user=None)
    assert own not in form.fields["categories"].queryset
    assert form.fields["categories"].queryset.filter(board__isnull=True).exists()


def test_filing_offers_only_the_shared_terms(org, own_terms):
    form = forms.ReportCreateForm(
        data={"type": "complaint", "unit": org.unit_a.pk, "description": "x", "kind": "klagomal"}
    )
    assert form.is_valid(), form.errors
    assert all(term.board_id is None for term in form.fields["kind"].queryset)


def test_a_boards_code_may_not_repeat_a_shared_one_and_a_term_hangs_under_its_own_board_or_a_shared_term(
    org, own_terms
):
    shared = Term.objects.filter(vocabulary=Term.Vocabulary.DEVIATION_CATEGORY, board__isnull=True).first()
    with pytest.raises(ValidationError) as clash:
        Term(vocabulary=shared.vocabulary, code=shared.code, name="Kopia", board=org.sn).full_clean()
    assert "code" in clash.value.message_dict
    with pytest.raises(ValidationError) as crossing:
        Term(
            vocabulary=shared.vocabulary, code="under", name="Under", board=org.sn, parent=own_terms["on"]
        ).full_clean()
    assert "parent" in crossing.value.message_dict
    Term(vocabulary=shared.vocabulary, code="under", name="Under", board=org.sn, parent=shared).full_clean()
    with pytest.raises(ValidationError):
        Term(vocabulary=shared.vocabulary, code="x", name="Ej nämnd", board=org.unit_a).full_clean()


def test_a_boards_compilation_lists_its_own_terms_and_not_another_boards(org, own_terms):
    today = datetime.date.today()
    tables = {
        t.key: t
        for t in board_compilation(Scope(org.sn, today.replace(month=1, day=1), today, public=False)).tables
    }
    labels = {str(row[0]) for row in tables["deviations"].rows}
    assert "Egen SN" in labels and "Egen ON" not in labels


def test_the_import_reads_a_code_as_the_shared_term_or_the_cases_boards_own(org, cast, own_terms):
    header = "type,unit,reported_at,state,description,categories"
    text = f"{header}\ndeviation,{org.unit_a.pk},2024-01-08,reported,Larmet fungerade inte.,nattpersonal\n"
    (report,) = do_import_reports(text, acting_user=None)
    assert report.category == own_terms["sn"]


def test_existing_users_get_the_lowest_unit_holding_all_their_grants_as_home_unit(org, cast):
    def user(name, *units):
        person = User.objects.create_user(name)
        for unit in units:
            do_grant_role(person, Role.REGISTRAR, unit, acting_user=None)
        return person

    two_units = user("tva_enheter", org.unit_a, org.unit_b)
    one_board = user("en_namnd", org.sn)
    two_boards = user("tva_namnder", org.unit_a, org.unit_c)
    municipality = user("kommunen", org.kommun)
    without_grant = user("utan_roll")
    already = user("redan", org.unit_a)
    User.objects.filter(pk=already.pk).update(home_unit=org.unit_c)

    home_units_from_grants(apps, None)

    homes = dict(User.objects.values_list("username", "home_unit"))
    assert homes[two_units.username] == org.unit_a.parent_id == OrgUnit.objects.get(name="Äldreomsorg").pk
    assert homes[one_board.username] == org.sn.pk
    assert homes[two_boards.username] is None and homes[municipality.username] is None
    assert homes[without_grant.username] is None
    assert homes[already.username] == org.unit_c.pk
