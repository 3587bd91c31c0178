"""The automatic anonymisation of closed lex Sarah summaries is stored (``SummaryDraft``,
``reporting.services.drafts``) rather than made on every compilation: the compilations are
the same with and without the stored texts, in either language, a stale stored text is not
used, and the texts are stored when a closed lex Sarah case changes or is approved."""

import datetime

import pytest
from django.utils import translation

from cases.models import AffectedPerson, OrgUnit, Report
from cases.services import do_approve_summary
from reporting import handlers
from reporting.models import SummaryDraft
from reporting.selectors import reviews
from reporting.selectors.compilation import board_compilation
from reporting.selectors.tables import Scope
from reporting.services import aggregates, drafts
from tests.queries import assert_num_queries, captured_queries

pytestmark = pytest.mark.django_db

START, END = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)


def compiled(world, public):
    compilation = board_compilation(Scope(world.org.sn, START, END, public=public))
    return [
        (t.key, [str(c) for c in t.columns], t.rows, [str(f) for f in t.footnotes])
        for t in compilation.tables
    ]


def no_anonymising(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("anonymised at read time although the stored text was fresh")

    monkeypatch.setattr(reviews, "automatic", refuse)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_compilations_are_the_same_from_the_stored_texts(world, monkeypatch, language):
    with translation.override(language):
        before = {public: compiled(world, public) for public in (True, False)}
        assert not SummaryDraft.objects.exists()
        closed = Report.objects.filter(type="lex_sarah", state="closed").count()
        assert closed >= 2
        assert drafts.fill() == 2 * closed  # one row per case and language
        assert drafts.fill() == 0  # nothing stale: nothing written again
        no_anonymising(monkeypatch)
        after = {public: compiled(world, public) for public in (True, False)}
    assert after == before
    internal = dict((key, rows) for key, _c, rows, _f in after[False])["summaries"]
    assert any(("[namn]" if language == "sv" else "[name]") in row[5] for row in internal)


def test_a_public_compilation_anonymises_nothing(world, monkeypatch):
    no_anonymising(monkeypatch)
    with translation.override("en"):
        rows = dict((key, rows) for key, _c, rows, _f in compiled(world, True))["summaries"]
    assert rows and all(row[3] == row[4] and "[" not in row[4] for row in rows)  # awaiting review


@pytest.mark.parametrize(
    "change",
    [
        lambda r: Report.objects.filter(pk=r.pk).update(investigation_summary="Ny text om Gösta Berg."),
        lambda r: Report.objects.filter(pk=r.pk).update(decision="Anmäls. Gösta Berg informerades."),
        lambda r: AffectedPerson.objects.create(report=r, name="Lugnet Svensson", role="Brukare"),
        lambda r: OrgUnit.objects.filter(pk=r.unit_id).update(name="Gösta Bergs enhet"),
    ],
    ids=["summary", "decision", "a person", "the unit's name"],
)
def test_a_stale_stored_text_is_not_used(world, change):
    with translation.override("en"):
        drafts.fill()
        report = Report.objects.filter(type="lex_sarah", state="closed").order_by("closed_at", "pk").first()
        Report.objects.filter(pk=report.pk).update(
            investigation_summary=report.investigation_summary + " Gösta Berg hördes på lugnet."
        )
        drafts.fill()
        stored = summaries_of(compiled(world, False))
        change(report)
        served = compiled(world, False)
        SummaryDraft.objects.all().delete()
        assert served == compiled(world, False)  # as made afresh
        assert summaries_of(served) != stored  # the stale stored text was not used


def summaries_of(tables):
    return [row[4:6] for row in dict((key, rows) for key, _c, rows, _f in tables)["summaries"]]


def test_the_stored_texts_are_read_in_one_statement(world):
    drafts.fill()
    board = world.org.sn
    units = Scope(board, START, END, public=False).units()
    closed = reviews.closed_lex_sarah(Report.objects.filter(namnd=board), None, None)
    with assert_num_queries(6):  # cases, persons, stored texts, categories' terms, marks, reviews
        assert all(not d.missing for d in reviews.drafts(closed, units))
    with assert_num_queries(4):  # a public compilation needs neither persons nor stored texts
        reviews.drafts(closed, units, anonymised=False)


def test_a_change_of_a_closed_lex_sarah_case_stores_its_text(world):
    report = Report.objects.filter(type="lex_sarah", state="closed").first()
    handlers.case_changed(report.pk)
    assert sorted(SummaryDraft.objects.filter(report=report).values_list("language", flat=True)) == [
        "en",
        "sv",
    ]
    with captured_queries() as again:
        handlers.case_changed(report.pk)  # nothing changed: read, nothing written
    assert not again.containing("INSERT") and not again.containing("UPDATE")


def test_the_change_of_any_other_case_costs_nothing_more(world):
    other = Report.objects.exclude(type="lex_sarah", state="closed").first()
    with captured_queries() as recount:
        aggregates.recount(other.pk)
    with assert_num_queries(len(recount)):
        handlers.case_changed(other.pk)
    assert not SummaryDraft.objects.exists()


def test_an_approval_stores_the_text(world):
    report = Report.objects.filter(type="lex_sarah", state="closed").first()
    do_approve_summary(world.cast["sas"], report, "En brukare fick fel insats.")
    assert SummaryDraft.objects.filter(report=report).count() == 2
