"""The process's copy of the small reference tables (cases.reference_cache): read once, seen
changed at once when changed in this process, after ``CACHE_SECONDS`` when changed past it,
and still deciding validity per day."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import reference_cache
from cases.forms import DeviationAssessForm
from cases.models import RiskBand, RiskRoutingRule, Term
from cases.services import do_transition
from tests.factories import file, term
from tests.queries import captured_queries

pytestmark = pytest.mark.django_db


def assess_form(report, category):
    return DeviationAssessForm(data={"category": category, "probability": 2, "severity": 2}, report=report)


def test_the_tables_are_read_once_per_process():
    RiskBand.for_score(4), RiskRoutingRule.suggested_route(4, 2), reference_cache.rows(Term)
    with captured_queries() as queries:
        band = RiskBand.for_score(4)
        RiskRoutingRule.suggested_route(4, 2)
        reference_cache.rows(Term)
    assert len(queries) == 0
    assert band == RiskBand.objects.valid_on().get(min_score__lte=4, max_score__gte=4)


def test_a_row_saved_in_this_process_is_seen_at_once():
    band = RiskBand.for_score(16)
    RiskBand.objects.filter(pk=band.pk).update(valid_to=timezone.localdate() - datetime.timedelta(days=1))
    assert RiskBand.for_score(16) == band  # changed past the signals: the copy is still trusted
    RiskBand.objects.create(code="extrem", name="Extrem", min_score=13, max_score=16)
    assert RiskBand.for_score(16).code == "extrem"


def test_a_row_changed_in_another_process_is_seen_after_the_cache_time(monkeypatch):
    band = RiskBand.for_score(16)
    RiskBand.objects.filter(pk=band.pk).update(name="Ändrad i en annan process")
    assert RiskBand.for_score(16).name == band.name
    later = reference_cache.time.monotonic() + reference_cache.CACHE_SECONDS + 1
    monkeypatch.setattr(reference_cache.time, "monotonic", lambda: later)
    assert RiskBand.for_score(16).name == "Ändrad i en annan process"


def test_validity_is_still_decided_per_day():
    band = RiskBand.for_score(16)
    band.valid_to = timezone.localdate() - datetime.timedelta(days=1)
    band.save()
    assert RiskBand.for_score(16) is None
    assert RiskBand.for_score(16, day=band.valid_to) == band


def test_a_term_no_longer_valid_or_of_another_vocabulary_is_refused(org, cast):
    report = file("deviation", cast["reporter"], org.unit_a)
    category = term("deviation_category")
    assert assess_form(report, category).is_valid()
    other = term("complaint_kind", "klagomal")
    form = assess_form(report, other)
    assert not form.is_valid() and form.errors["category"][0].startswith("Välj ett giltigt alternativ")
    ended = Term.objects.get(pk=category)
    ended.valid_to = timezone.localdate() - datetime.timedelta(days=1)
    ended.save()  # through the admin: the copy is dropped
    assert not assess_form(report, category).is_valid()
    with pytest.raises(ValidationError):
        do_transition(
            report.pk,
            "assess",
            acting_user=cast["manager_a"],
            data={"category": category, "probability": 2, "severity": 2},
        )
    assert assess_form(report, "not-a-number").errors["category"]


def test_the_form_offers_the_terms_valid_on_the_day_it_is_made(org, cast):
    report = file("deviation", cast["reporter"], org.unit_a)
    form = DeviationAssessForm(report=report)
    offered = {choice.pk for choice in form.fields["category"].queryset}
    assert offered == set(
        Term.objects.valid_on().filter(vocabulary="deviation_category").values_list("pk", flat=True)
    )


def test_a_form_that_only_validates_never_builds_its_choices_query(org, cast, monkeypatch):
    from cases import forms

    report = file("deviation", cast["reporter"], org.unit_a)
    category = Term.objects.get(pk=term("deviation_category"))
    built = []
    monkeypatch.setattr(forms, "terms", lambda vocabulary: built.append(vocabulary) or Term.objects.none())
    assert assess_form(report, category.pk).is_valid()
    assert built == []
    monkeypatch.undo()
    rendered = str(DeviationAssessForm(report=report)["category"])
    assert f'value="{category.pk}"' in rendered and category.name in rendered
    assert len(DeviationAssessForm(report=report).fields["category"].widget.choices) == (
        Term.objects.valid_on().filter(vocabulary="deviation_category").count() + 1
    )  # with the empty choice
