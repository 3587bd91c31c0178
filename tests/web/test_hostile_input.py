"""The public form and the filing forms with hostile text (Hypothesis): markup, NUL, right-to-
left and zero-width characters, a megabyte, bytes that are not UTF-8.

Whatever is sent, no answer is a server error. Text is either accepted, and then stored as
sent (surrounding whitespace removed; bytes that are not UTF-8 become U+FFFD, docs/testing.md)
and shown escaped; or refused with each field's message in the page's language, and the text
is still in the form for the user to correct."""

import re
from urllib.parse import quote_from_bytes

import pytest
from django.db import transaction
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from cases.models import Report
from tests.api.helpers import Case
from tests.factories import ago
from tests.hostile import FUZZ_SETTINGS, hostile_text, text_with_invalid_bytes

# A 1 MB example makes Hypothesis warn that its description is long; that is the point here.
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:Generating overly large repr")]

TEXT_FIELDS = ["description", "submitter_name", "submitter_contact"]


@pytest.fixture(autouse=True)
def _no_rate_limit_in_the_way(settings):
    settings.PUBLIC_SUBMISSIONS_PER_HOUR = 10**6
    settings.RECEIPT_LOOKUPS_PER_HOUR = 10**6


def kept_in_form(body, text):
    """The text as the form shows it again: escaped, the way Django renders a field's value."""
    return escape(text) in body


def shown(body, text):
    """The stored text on a page: escaped, with its line breaks as <br> where the page keeps them."""
    return linebreaksbr(text, autoescape=True) in body or escape(text) in body


def assert_refused_in_words(response):
    body = response.content.decode()
    assert response.status_code == 200 and 'id="error-summary"' in body
    forms = [response.context["form"], *(response.context.get("persons") or [])]
    errors = [str(m) for form in forms for messages in form.errors.values() for m in messages]
    assert errors and all(escape(m) in body for m in errors)
    return body


def public_post(client, org, **fields):
    data = {
        "unit": org.unit_a.pk,
        "kind": "klagomal",
        "description": "Ingen kom på tisdagen.",
        "website": "",
        **fields,
    }
    return client.post(reverse("web:public_form"), data)


@FUZZ_SETTINGS
@given(field=st.sampled_from(TEXT_FIELDS), text=hostile_text)
def test_the_public_form_stores_and_shows_any_text_escaped_or_refuses_it_keeping_it(field, text, client, org):
    with transaction.atomic():
        response = public_post(client, org, **{field: text})
        if response.status_code == 302:
            report = Report.objects.get()
            assert getattr(report, field) == text.strip()
            code = re.search(
                r'id="receipt-code">([A-Z0-9-]+)<', client.get(response["Location"]).content.decode()
            )[1]
            status_page = client.post(reverse("web:public_status"), {"code": code}).content.decode()
            assert shown(status_page, report.description)
        else:
            body = assert_refused_in_words(response)
            assert kept_in_form(body, text)
            assert not Report.objects.exists()
        transaction.set_rollback(True)


# Each filing form's own fields (cases.web.reporting.FilingForm.FIELDS), valid, and its text fields.
FILING = {
    "deviation": ({"occurred_at": ago(hours=2)[:16]}, []),
    "lex_sarah": (
        {"occurred_at": ago(hours=2)[:16], "immediate_measures": "Personalen byttes."},
        ["immediate_measures"],
    ),
    "data_breach": ({"discovered_at": ago(hours=2)[:16]}, []),
    "complaint": (
        {"kind": "klagomal", "submitter_name": "", "submitter_contact": ""},
        ["submitter_name", "submitter_contact"],
    ),
}
PERSON_FIELDS = ["person-0-name", "person-0-role"]


def filing(org, report_type="deviation", **fields):
    return {
        "type": report_type,
        "unit": org.unit_a.pk,
        "description": "Dörren stod öppen.",
        **FILING[report_type][0],
        "person-TOTAL_FORMS": "1",
        "person-INITIAL_FORMS": "0",
        "person-0-name": "",
        "person-0-role": "",
        **fields,
    }


@FUZZ_SETTINGS
@given(report_type=st.sampled_from(sorted(FILING)), data=st.data(), text=hostile_text)
def test_the_filing_forms_store_and_show_any_text_escaped_or_refuse_it_keeping_it(
    report_type, data, text, client, cast, org
):
    field = data.draw(st.sampled_from(["description", *FILING[report_type][1], *PERSON_FIELDS]))
    with transaction.atomic():
        client.force_login(cast["reporter"])
        response = client.post(
            reverse("web:report_form", args=[report_type]), filing(org, report_type, **{field: text})
        )
        if response.status_code == 302:
            report = Report.objects.get()
            if field not in PERSON_FIELDS:
                assert getattr(report, field) == text.strip()
            else:  # a person row left blank (whitespace only) is no person
                stored = [getattr(person, field.removeprefix("person-0-")) for person in report.persons.all()]
                assert stored == ([text.strip()] if text.strip() else [])
            assert shown(
                client.get(reverse("web:case", args=[report.pk])).content.decode(), report.description
            )
        else:
            body = assert_refused_in_words(response)
            assert kept_in_form(body, text)
            assert not Report.objects.exists()
        transaction.set_rollback(True)


# The handler's forms on the case page (cases.web.case.PARTS): each text field, with valid
# values for the others.
CASE_PART_FORMS = {
    "causes": ({"description": "Rutinen var okänd."}, ["description"]),
    "persons": ({"name": "Brukare Ett", "role": "Brukare"}, ["name", "role"]),
    "entries": (
        {"text": "Personalen bekräftar.", "entry_date": "", "source": "Intervju", "nature": "fact"},
        ["text", "source"],
    ),
    "feedback": ({"text": "Tack för din rapport."}, ["text"]),
}


@FUZZ_SETTINGS
@given(part=st.sampled_from(sorted(CASE_PART_FORMS)), data=st.data(), text=hostile_text)
def test_the_case_page_forms_store_and_show_any_text_escaped_or_refuse_it_keeping_it(
    part, data, text, client, cast, org
):
    valid, text_fields = CASE_PART_FORMS[part]
    field = data.draw(st.sampled_from(text_fields))
    with transaction.atomic():
        report = Case(cast, org, "lex_sarah", "investigating").report
        client.force_login(cast["sas"])
        fields = (
            {**valid, "entry_date": timezone.localdate().isoformat(), field: text}
            if part == "entries"
            else {**valid, field: text}
        )
        response = client.post(reverse("web:part", args=[report.pk, part]), fields)
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert shown(client.get(reverse("web:case", args=[report.pk])).content.decode(), text.strip())
        else:
            body = assert_refused_in_words(response)
            assert kept_in_form(body, text)
        transaction.set_rollback(True)


def urlencoded(fields):
    return "&".join(
        f"{quote_from_bytes(name.encode())}={quote_from_bytes(value)}" for name, value in fields.items()
    )


@FUZZ_SETTINGS
@given(field=st.sampled_from(TEXT_FIELDS), raw=text_with_invalid_bytes())
def test_bytes_that_are_not_utf8_in_the_public_form_are_replaced_never_a_server_error(
    field, raw, client, org
):
    fields = {
        "unit": str(org.unit_a.pk).encode(),
        "kind": b"klagomal",
        "description": b"Ingen kom.",
        "website": b"",
        field: raw,
    }
    with transaction.atomic():
        response = client.generic(
            "POST",
            reverse("web:public_form"),
            urlencoded(fields),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert getattr(Report.objects.get(), field) == raw.decode("utf-8", errors="replace").strip()
        else:
            assert_refused_in_words(response)
        transaction.set_rollback(True)


@FUZZ_SETTINGS
@given(raw=text_with_invalid_bytes(), name=hostile_text.filter(lambda n: len(n) < 300))
def test_a_multipart_filing_with_bytes_that_are_not_utf8_and_any_file_name_is_never_a_server_error(
    raw, name, client, cast, org
):
    boundary = "gransen-0123"
    parts = [
        (key.encode(), value if isinstance(value, bytes) else str(value).encode())
        for key, value in {**filing(org), "description": raw}.items()
    ]
    body = b"".join(
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary.encode(), key, value)
        for key, value in parts
    )
    body += (
        b'--%s\r\nContent-Disposition: form-data; name="attachments"; filename="%s"\r\n'
        b"Content-Type: text/plain\r\n\r\nInnehall\r\n--%s--\r\n"
    ) % (
        boundary.encode(),
        name.encode("utf-8").replace(b'"', b"").replace(b"\r", b"").replace(b"\n", b""),
        boundary.encode(),
    )
    with transaction.atomic():
        client.force_login(cast["reporter"])
        response = client.generic(
            "POST",
            reverse("web:report_form", args=["deviation"]),
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            report = Report.objects.get()
            assert report.description == raw.decode("utf-8", errors="replace").strip()
            page = client.get(reverse("web:case", args=[report.pk])).content.decode()
            for attachment in report.attachments.all():
                assert escape(attachment.original_name) in page
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    "language, nul, too_long",
    [
        (
            "sv",
            "Null-tecken är inte tillåtna.",
            "Säkerställ att detta värde har som mest 20000 tecken (den har 1048576).",
        ),
        (
            "en",
            "Null characters are not allowed.",
            "Ensure this value has at most 20000 characters (it has 1048576).",
        ),
    ],
)
def test_nul_and_a_megabyte_are_refused_in_the_users_language_with_the_text_kept(
    language, nul, too_long, client, org
):
    client.cookies["django_language"] = language
    for text, message in (("Hej\x00då", nul), ("x" * 1048576, too_long)):
        response = public_post(client, org, description=text)
        body = assert_refused_in_words(response)
        assert escape(message) in body and kept_in_form(body, text)
    assert not Report.objects.exists()


def test_markup_is_stored_as_written_and_never_rendered(client, cast, org):
    markup = "<script>alert('x')</script>\n<b>fet</b> &amp; \u202eevil"
    client.force_login(cast["reporter"])
    response = client.post(reverse("web:report_form", args=["deviation"]), filing(org, description=markup))
    report = Report.objects.get()
    assert response.status_code == 302 and report.description == markup
    case_page = client.get(reverse("web:case", args=[report.pk])).content.decode()
    assert shown(case_page, markup)
    for body in (case_page, client.get(reverse("web:my_reports")).content.decode()):
        assert "<script>alert(" not in body and "<b>fet</b>" not in body
