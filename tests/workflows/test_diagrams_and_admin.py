"""The committed BPMN files and diagrams are current; substitutes are edited in the admin, audited."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from cases.models import AuditEvent
from workflows.diagrams import files
from workflows.models import Substitute


def test_the_committed_bpmn_files_and_diagrams_are_current():
    for path, content in files().items():
        assert path.exists(), f"{path} missing: run `manage.py workflow_diagrams`"
        assert path.read_text(encoding="utf-8") == content, f"{path} stale: run `manage.py workflow_diagrams`"


def test_each_bpmn_file_holds_every_step_of_its_flow_in_swedish():
    from workflows.flows import FLOWS, steps

    for report_type, flow_class in FLOWS.items():
        text = next(c for p, c in files().items() if p.name == f"{report_type}.bpmn")
        assert text.startswith("<?xml") and "bpmn:definitions" in text
        for node in steps(flow_class):
            assert f'id="id_node_{node.name}"' in text
    assert "Bedöm avvikelsen" in next(c for p, c in files().items() if p.name == "deviation.bpmn")


def test_the_decision_gateways_are_labelled_ja_and_nej_not_yes_and_no():
    for name in ("lex_sarah", "data_breach"):
        bpmn = next(c for p, c in files().items() if p.name == f"{name}.bpmn")
        svg = next(c for p, c in files().items() if p.name == f"{name}.svg")
        assert 'name="ja"' in bpmn and 'name="nej"' in bpmn
        assert ">ja</text>" in svg and ">nej</text>" in svg
        assert 'name="yes"' not in bpmn and ">no</text>" not in svg


def test_an_administrator_adds_a_substitute_in_the_admin_and_it_is_audited(cast, client, django_user_model):
    admin = django_user_model.objects.create_superuser("chef", password="x-lösen-123")
    client.force_login(admin)
    now = timezone.localtime()
    fmt = "%Y-%m-%d"
    response = client.post(
        "/admin/workflows/substitute/add/",
        {
            "person": cast["manager_a"].pk,
            "substitute": cast["sas"].pk,
            "starts_at_0": now.strftime(fmt),
            "starts_at_1": "00:00:00",
            "ends_at_0": (now + datetime.timedelta(days=7)).strftime(fmt),
            "ends_at_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    substitute = Substitute.objects.get()
    assert AuditEvent.objects.filter(action="substitute.added", object_id=str(substitute.pk)).exists()
    # A period that ends before it starts is refused with a field error.
    response = client.post(
        "/admin/workflows/substitute/add/",
        {
            "person": cast["manager_a"].pk,
            "substitute": cast["sas"].pk,
            "starts_at_0": now.strftime(fmt),
            "starts_at_1": "00:00:00",
            "ends_at_0": (now - datetime.timedelta(days=7)).strftime(fmt),
            "ends_at_1": "00:00:00",
        },
    )
    assert response.status_code == 200 and Substitute.objects.count() == 1


def test_workflow_diagrams_check_passes_on_the_committed_files():
    call_command("workflow_diagrams", "--check")
