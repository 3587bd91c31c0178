"""The details that made the system feel unfinished (issue 17), as the cast meets them: people
pickers by full name and within the case's board, entries named in the picker of the entry a
correction corrects, the public form without an empty choice, SITE_URL following `make run
PORT=…`."""

import re
import subprocess
from pathlib import Path

from django.utils import timezone

from cases.services import do_add_investigation_entry
from tests.cast import CAST
from tests.factories import file, walk_to
from tests.matrix import Matrix

ROOT = Path(__file__).resolve().parents[2]

# The form that names an action's owner, as each member of the cast: the case's handlers get
# it; the others who see the case 403; the rest 404.
ACTION_FORM = Matrix.of(
    CAST, {"manager_a": 200, "sas": 200, "reporter": 403, "decision_maker": 403}, default=404
)


def options(html, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_the_owner_picker_shows_full_names_of_the_cases_board_only(org, cast, client):
    report = walk_to(file("deviation", cast["reporter"], org.unit_a), "investigated", cast)
    seen = {}
    for name in CAST:
        client.force_login(cast[name])
        response = client.get(f"/cases/{report.pk}/actions/", HTTP_ACCEPT_LANGUAGE="sv")
        seen[name] = response.status_code
        if response.status_code == 200:
            people = [o for o in options(response.content.decode(), "owner") if not o.startswith("---")]
            assert "Sas Testsson, SAS" in people and "Manager A Testsson, Enhetschef" in people
            assert not any("Sas Other" in p or "Admin On" in p for p in people)  # the other board's
            assert not any(re.fullmatch(r"[a-z_]+", p) for p in people)  # never a username
    assert seen == ACTION_FORM.expected()


def test_the_entry_a_correction_corrects_is_named_by_its_date_topic_and_words(org, cast, client):
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    do_add_investigation_entry(
        report.pk,
        acting_user=cast["sas"],
        data={
            "text": "Bemanningen var låg under kvällen.",
            "entry_date": timezone.localdate(),
            "source": "Schema",
            "nature": "fact",
        },
    )
    client.force_login(cast["sas"])
    html = client.get(f"/cases/{report.pk}/entries/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    [entry] = [o for o in options(html, "corrects") if not o.startswith("---")]
    assert "Bemanningen var låg under kvällen." in entry and "object (" not in entry


def test_the_public_form_preselects_no_kind_and_offers_no_empty_one(db, org, client):
    html = client.get("/feedback/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    kinds = re.findall(r'<input type="radio" name="kind" value="([^"]*)"[^>]*>', html)
    assert kinds and "" not in kinds
    assert not re.search(r'<input type="radio" name="kind"[^>]*checked', html)


def test_make_run_builds_links_for_the_port_it_serves():
    plan = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert 'SITE_URL="${SITE_URL:-http://127.0.0.1:8123}"' in plan
    assert "runserver 127.0.0.1:8123" in plan
    assert "PORT=" in (ROOT / "README.md").read_text()
