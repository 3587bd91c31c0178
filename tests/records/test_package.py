"""The archival package made before disposal: its manifest lists every file with a SHA-256
that verifies, it holds the case's documents, and a changed byte is found."""

import io
import zipfile
from xml.etree import ElementTree as ET

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from cases.models import Attachment, AuditEvent
from records.models import ArchivalPackage, DisposalRun, RetentionRule
from records.package import CASE, METS, build_package, verify_package
from records.services import dispose_batch, do_approve_disposal, plan_gallring
from tests.records.helpers import closed_case, example_rules, years_ago

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


def test_the_package_lists_every_file_with_a_checksum_that_verifies(org, cast):
    report = closed_case("deviation", cast, org, closed_at=years_ago(6), content=True)
    attachment = Attachment.objects.get(report=report)
    objid, data = build_package(report)
    assert verify_package(data) == []
    files = members(data)
    assert files["representations/rep1/data/case.pdf"].startswith(b"%PDF")
    with attachment.file.open("rb") as handle:
        assert files["representations/rep1/data/attachments/001"] == handle.read()
    record = ET.fromstring(files["metadata/descriptive/case.xml"])
    assert record.find(f"{{{CASE}}}caseNumber").text == report.case_number
    assert "Greta Hemlig" not in files["metadata/descriptive/case.xml"].decode()
    mets = ET.fromstring(files["METS.xml"])
    assert mets.get("OBJID") == objid and mets.get("LABEL") == report.case_number
    assert len(list(mets.iter(f"{{{METS}}}file"))) == len(
        [n for n in files if n.startswith(("representations/", "documentation/", "schemas/"))]
    )


def test_a_changed_or_added_byte_is_found(org, cast):
    report = closed_case("complaint", cast, org, closed_at=years_ago(3), content=True)
    objid, data = build_package(report)
    changed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(changed, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name.endswith("audit-extract.json"):
                content += b" "
            target.writestr(name, content)
        target.writestr(f"{objid}/extra.txt", b"x")
    problems = verify_package(changed.getvalue())
    assert any("checksum differs" in p and "audit-extract" in p for p in problems)
    assert any("not in the manifest" in p for p in problems)


def test_a_rule_that_asks_for_a_package_gets_one_before_the_content_goes(org, cast):
    example_rules(org)
    RetentionRule.objects.filter(board=org.sn, report_type="deviation").update(package_before_disposal=True)
    report = closed_case("deviation", cast, org, closed_at=years_ago(6), content=True)
    run = plan_gallring(org.sn, timezone.now())
    do_approve_disposal(run.pk, acting_user=cast["sas"])
    dispose_batch(DisposalRun.objects.get(pk=run.pk), timezone.now())
    package = ArchivalPackage.objects.get(report=report)
    with default_storage.open(package.file, "rb") as handle:
        data = handle.read()
    assert verify_package(data) == [] and len(data) == package.size
    assert report.case_number.encode() in members(data)["metadata/descriptive/case.xml"]
    assert "representations/rep1/data/attachments/001" in members(data)
    disposed = AuditEvent.objects.get(action="report.disposed", report_id=report.pk)
    assert disposed.payload["package"]["sha256"] == package.sha256


def rezip(data, change):
    """The package with ``change(name, bytes) -> bytes`` applied to each member."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return out.getvalue()


def test_the_package_passes_eark_validator_and_its_case_record_its_schema(org, cast):
    from lxml import etree

    from tests.records import eark

    report = closed_case("deviation", cast, org, closed_at=years_ago(6), content=True)
    _objid, data = build_package(report)
    result = eark.validate(data)
    assert result["structure"]["status"] == "WellFormed"
    assert result["metadata"]["schema_results"]["status"] == "VALID"
    # The one rule left: eark-validator 1.1.3's SIP14 reads an unnamespaced @NOTETYPE on the
    # note of every CREATOR agent, the software's too, whose note CSIP16 requires to carry
    # csip:NOTETYPE="SOFTWARE VERSION" (docs/archive.md, "Validation").
    assert set(eark.errors(result)) == {"SIP14"}
    files = members(data)
    schema = etree.XMLSchema(etree.fromstring(files["schemas/case.xsd"]))
    schema.assertValid(etree.fromstring(files["metadata/descriptive/case.xml"]))
    # The validator finds a package that breaks a rule, and the schema a record that breaks it.
    broken = rezip(data, lambda name, content: content.replace(b'TYPE="Other"', b'TYPE="ERMS"', 1))
    assert "CSIP2" in eark.errors(eark.validate(broken))
    record = files["metadata/descriptive/case.xml"].replace(b"<case:state>", b"<case:status>", 1)
    assert not schema.validate(etree.fromstring(record.replace(b"</case:state>", b"</case:status>", 1)))
