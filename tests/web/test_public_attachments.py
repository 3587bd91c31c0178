"""Files sent with the public form: stored with the complaint in the same transaction, with no
uploader, audited; the internal form's limits (at most 5 files of at most 10 MB), refused
with a clear message in Swedish or English and the typed text kept."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Attachment, AuditEvent, Report
from cases.services import do_file_public_submission

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% a tiny test document\n"


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf(name="brev.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def public_data(org, **extra):
    return {
        "unit": org.unit_a.pk,
        "kind": "klagomal",
        "description": "Ingen kom på tisdagen.",
        "website": "",
        "submitter_name": "Anna Andersson",
        **extra,
    }


def test_the_public_form_stores_the_files_with_the_complaint_and_audits_them(client, org):
    response = client.post(
        reverse("web:public_form"), {**public_data(org), "attachments": [pdf("brev.pdf"), pdf("foto.pdf")]}
    )
    assert response.status_code == 302 and response["Location"] == reverse("web:public_thanks")
    report = Report.objects.get()
    stored = list(report.attachments.order_by("id"))
    assert [a.original_name for a in stored] == ["brev.pdf", "foto.pdf"]
    assert all(
        a.uploaded_by is None and a.size == len(PDF) and a.content_type == "application/pdf" for a in stored
    )
    assert stored[0].file.read() == PDF
    events = AuditEvent.objects.filter(action="attachment.added", report_id=report.pk).order_by("id")
    assert [(e.actor_id, e.payload["sha256"]) for e in events] == [(None, a.sha256) for a in stored]


@pytest.mark.parametrize(
    "lang, message",
    [
        ("sv", "Filen är för stor: högst 10 MB."),
        ("en", "The file is too large: at most 10 MB."),
    ],
)
def test_a_file_too_large_is_refused_and_the_text_kept(client, org, settings, lang, message):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    big = pdf("stor.pdf", PDF + b"0" * settings.ATTACHMENT_MAX_BYTES)
    response = client.post(reverse("web:public_form"), {**public_data(org), "attachments": [pdf(), big]})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="error-summary"' in page and message in page
    assert "Ingen kom på tisdagen." in page and 'value="Anna Andersson"' in page
    assert not Report.objects.exists() and not Attachment.objects.exists()


@pytest.mark.parametrize("lang, message", [("sv", "Högst 5 filer."), ("en", "At most 5 files.")])
def test_more_than_five_files_are_refused_and_the_text_kept(client, org, settings, lang, message):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.post(
        reverse("web:public_form"), {**public_data(org), "attachments": [pdf(f"{i}.pdf") for i in range(6)]}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "Ingen kom på tisdagen." in page
    assert not Report.objects.exists()


def test_the_service_checks_every_file_before_it_files_anything(org, tmp_path):
    from django.core.exceptions import ValidationError

    data = {"unit": org.unit_a.pk, "kind": "klagomal", "description": "Text"}
    with pytest.raises(ValidationError):
        do_file_public_submission(data=data, uploads=[pdf(f"{i}.pdf") for i in range(6)])
    with pytest.raises(ValidationError):
        do_file_public_submission(data=data, uploads=[pdf(), SimpleUploadedFile("x.exe", b"MZ")])
    assert not Report.objects.exists()
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.*"))


def test_the_handler_sees_the_public_files_on_the_case_page(client, cast, org):
    client.post(reverse("web:public_form"), {**public_data(org), "attachments": [pdf("brev.pdf")]})
    report = Report.objects.get()
    client.force_login(cast["manager_a"])
    page = client.get(reverse("web:case", args=[report.pk])).content.decode()
    assert "brev.pdf" in page
