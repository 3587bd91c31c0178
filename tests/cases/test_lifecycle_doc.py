from pathlib import Path

from cases.lifecycle_doc import render


def test_the_lifecycle_document_is_current(db):
    document = Path(__file__).resolve().parents[2] / "docs" / "lifecycles.md"
    assert document.read_text() == render() + "\n", "run: python manage.py lifecycle_doc > docs/lifecycles.md"
