"""The filing forms' one-time token: a double submit, or the form sent again after an answer
that never arrived, files one report."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import ReceiptCode, Report

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')


def token_of(response):
    return TOKEN.search(response.content.decode()).group(1)


def deviation(org, token, **extra):
    occurred = timezone.localtime(timezone.now() - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    return {
        "type": "deviation",
        "unit": org.unit_a.pk,
        "description": "Fel dos på kvällen.",
        "occurred_at": occurred,
        "person-TOTAL_FORMS": "0",
        "person-INITIAL_FORMS": "0",
        "idempotency_key": token,
        **extra,
    }


def test_each_showing_of_a_form_carries_a_new_token(login, org):
    client = login("reporter")
    url = reverse("web:report_form", args=["deviation"])
    assert token_of(client.get(url)) != token_of(client.get(url))
    assert token_of(client.get(reverse("web:public_form"))) != token_of(
        client.get(reverse("web:public_form"))
    )


def test_the_form_sent_twice_files_once_and_both_answers_say_so(login, org):
    client = login("reporter")
    url = reverse("web:report_form", args=["deviation"])
    data = deviation(org, token_of(client.get(url)))
    first = client.post(url, data, follow=True)
    second = client.post(url, data, follow=True)
    report = Report.objects.get()
    for response in (first, second):
        assert response.redirect_chain == [(reverse("web:my_reports"), 302)]
        assert f"Tack. Din rapport är registrerad som {report.case_number}." in response.content.decode()


def test_a_token_sent_again_with_other_text_files_nothing_and_says_why(login, org):
    client = login("reporter")
    url = reverse("web:report_form", args=["deviation"])
    token = token_of(client.get(url))
    client.post(url, deviation(org, token))
    report = Report.objects.get()
    response = client.post(url, deviation(org, token, description="Något annat."))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"Formuläret har redan skickats och registrerats som {report.case_number}." in body
    assert "Något annat." in body  # what the user typed is kept
    assert token_of(response) != token  # sent again, it files a new report
    assert client.post(url, deviation(org, token_of(response), description="Något annat.")).status_code == 302
    assert Report.objects.count() == 2


def test_a_refused_form_keeps_its_unused_token(login, org):
    client = login("reporter")
    url = reverse("web:report_form", args=["deviation"])
    token = token_of(client.get(url))
    response = client.post(url, deviation(org, token, description=""))
    assert response.status_code == 200 and token_of(response) == token
    assert client.post(url, deviation(org, token)).status_code == 302
    assert Report.objects.count() == 1


def test_one_users_token_is_not_anothers(login, org, client, cast):
    url = reverse("web:report_form", args=["deviation"])
    data = deviation(org, "a" * 32)
    login("reporter").post(url, data)
    client.force_login(cast["manager_a"])
    assert client.post(url, data).status_code == 302
    assert Report.objects.count() == 2


def test_a_form_without_a_token_still_files(login, org):
    client = login("reporter")
    data = deviation(org, "")
    url = reverse("web:report_form", args=["deviation"])
    assert client.post(url, data).status_code == 302 and client.post(url, data).status_code == 302
    assert Report.objects.count() == 2


def test_the_public_form_sent_twice_files_once_and_shows_the_receipt_code(client, org):
    token = token_of(client.get(reverse("web:public_form")))
    data = {
        "unit": org.unit_a.pk,
        "kind": "klagomal",
        "description": "Maten var kall.",
        "idempotency_key": token,
    }
    client.post(reverse("web:public_form"), data)
    response = client.post(reverse("web:public_form"), data, follow=True)
    assert response.redirect_chain == [(reverse("web:public_thanks"), 302)]
    assert 'id="receipt-code"' in response.content.decode()
    assert Report.objects.count() == 1 and ReceiptCode.objects.count() == 1


def test_the_public_form_with_a_used_token_and_other_text_files_nothing(client, org):
    token = token_of(client.get(reverse("web:public_form")))
    data = {
        "unit": org.unit_a.pk,
        "kind": "klagomal",
        "description": "Maten var kall.",
        "idempotency_key": token,
    }
    client.post(reverse("web:public_form"), data)
    response = client.post(reverse("web:public_form"), {**data, "description": "Maten var varm."})
    assert response.status_code == 200
    assert "Formuläret har redan skickats och ditt meddelande har tagits emot." in response.content.decode()
    assert Report.objects.count() == 1
