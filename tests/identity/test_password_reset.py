"""Password-reset e-mails are limited per address asked for and per client address, and the
answers never tell whether an account has the address."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection

RESET = "/accounts/password_reset/"


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.PASSWORD_RESETS_PER_ADDRESS = 3
    settings.PASSWORD_RESETS_PER_CLIENT = 5


def ask(client, email, address="192.0.2.20", language="en"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)


def test_ten_requests_for_one_address_send_three_mails(client, cast):
    answers = [ask(client, "sas@kommun.example", address=f"198.51.100.{n}").status_code for n in range(10)]
    assert answers == [302] * 3 + [429] * 7
    assert len(mail.outbox) == 3


def test_the_address_is_counted_however_it_is_written(client, cast):
    for email in ("sas@kommun.example", "SAS@Kommun.example", " sas@kommun.example "):
        ask(client, email, address="198.51.100.1")
    assert ask(client, "Sas@kommun.EXAMPLE", address="198.51.100.2").status_code == 429


def test_one_client_may_ask_for_a_few_addresses_only(client, cast):
    names = ["sas", "dso", "reporter", "manager_a", "manager_b", "decision_maker"]
    answers = [ask(client, f"{name}@kommun.example").status_code for name in names]
    assert answers == [302] * 5 + [429]
    assert len(mail.outbox) == 5
    assert ask(client, "decision_maker@kommun.example", address="192.0.2.21").status_code == 302


def test_known_and_unknown_addresses_get_the_same_answers(client, cast):
    known = [ask(client, "sas@kommun.example", address=f"198.51.100.{n}") for n in range(4)]
    unknown = [ask(client, "nobody@kommun.example", address=f"203.0.113.{n}") for n in range(4)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [302, 302, 302, 429]
    assert {r["Location"] for r in known[:3] + unknown[:3]} == {"/accounts/password_reset/done/"}
    assert len(mail.outbox) == 3


def test_the_refusal_is_in_the_readers_language(client, cast):
    for n in range(3):
        ask(client, "sas@kommun.example", address=f"198.51.100.{n}")
    assert "Too many password resets" in ask(client, "sas@kommun.example", language="en").content.decode()
    assert "för många återställningar" in ask(client, "sas@kommun.example", language="sv").content.decode()


def test_the_cache_never_holds_the_address(client, cast, settings):
    settings.CACHES = {"default": {"BACKEND": "identity.cache.DatabaseCache", "LOCATION": "django_cache"}}
    ask(client, "sas@kommun.example")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM django_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert keys and not any("sas" in key for key in keys)
    assert cache.get(keys[0].split(":", 2)[2]) is not None


def test_the_login_page_leads_to_the_reset_and_the_reset_pages_are_the_sites_own_in_swedish(client, cast):
    login = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert f'href="{RESET}"' in login and "Glömt lösenordet?" in login
    page = client.get(RESET, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Skicka länken" in page and "Django" not in page
    done = client.post(RESET, {"email": "sas@kommun.example"}, HTTP_ACCEPT_LANGUAGE="sv", follow=True)
    assert "Titta i din e-post" in done.content.decode()
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line).strip()
    path = link[link.index("/accounts/") :]
    choose = client.get(path, HTTP_ACCEPT_LANGUAGE="sv", follow=True).content.decode()
    assert "Välj ett nytt lösenord" in choose and "Spara det nya lösenordet" in choose


def test_a_used_or_forged_reset_link_says_so_and_offers_a_new_one(client, cast):
    page = client.get("/accounts/reset/MQ/set-password/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Länken gäller inte längre" in page and f'href="{RESET}"' in page
