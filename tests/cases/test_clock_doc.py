from pathlib import Path

from cases.clock_doc import render
from cases.models import DeadlineRule


def test_the_clock_document_is_current(db):
    document = Path(__file__).resolve().parents[2] / "docs" / "clocks.md"
    assert document.read_text() == render() + "\n", "run: python manage.py clock_doc > docs/clocks.md"


def test_every_seeded_rule_and_every_scheduler_job_is_in_the_document(db, settings):
    text = render()
    for code in DeadlineRule.objects.values_list("code", flat=True):
        assert f"`{code}`" in text
    for path in settings.SCHEDULER_JOBS:
        assert f"`{path}`" in text
