"""The project's own error pages, with DEBUG off as in production, in Swedish and English:
400, 403, 404, 500 and the stale form (CSRF), none of viewflow's English pages anywhere; and a
step taken from a stale page (second tab, back button, double submit) goes back to the case
with a message instead of an error."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.template import loader
from django.test import Client, RequestFactory
from django.urls import reverse

from cases.web import errors
from tests import factories
from tests.queries import assert_num_queries

pytestmark = pytest.mark.django_db

# What each page says in each language (its heading), and what viewflow's pages said.
HEADINGS = {
    404: {"sv": "Sidan kunde inte hittas", "en": "The page could not be found"},
    403: {"sv": "Du får inte göra det här", "en": "You may not do this"},
    400: {"sv": "Begäran kunde inte förstås", "en": "The request could not be understood"},
    500: {"sv": "Något gick fel", "en": "Something went wrong"},
    "csrf": {"sv": "Formuläret skickades från en gammal sida", "en": "The form was sent from an old page"},
}
FOREIGN = [
    "Access Forbidden",
    "have no rights to access this page",
    "We're sorry",
    "View site",
    "Server error",
    "Bad Request",
    "CSRF",
    "Traceback",
    "secret-internal-detail",
]


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.web.error_urls"


def browser(user=None, lang="sv", **kwargs):
    client = Client(HTTP_ACCEPT_LANGUAGE=lang, raise_request_exception=False, **kwargs)
    if user is not None:
        client.force_login(user)
    return client


def assert_our_page(response, status, lang):
    body = response.content.decode()
    assert response.status_code == (403 if status == "csrf" else status)
    assert f'<html lang="{lang}">' in body
    assert HEADINGS[status][lang] in body, body
    assert not [word for word in FOREIGN if word in body]
    if lang == "sv":
        assert HEADINGS[status]["en"] not in body
    return body


def test_every_error_template_any_installed_app_ships_is_ours():
    """viewflow (and any app added later) may ship ``403.html`` and friends: ours must win."""
    ours = Path(django_settings.BASE_DIR) / "templates"
    shipped = {"400.html", "403.html", "404.html", "500.html", "403_csrf.html"}
    for config in apps.get_app_configs():
        folder = Path(config.path) / "templates"
        if folder.is_dir():
            shipped |= {p.name for p in folder.iterdir() if re.fullmatch(r"\d{3}(_\w+)?\.html", p.name)}
    assert "403.html" in shipped
    for name in shipped:
        assert Path(loader.get_template(name).origin.name).parent == ours, name


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_an_unknown_page_and_a_case_out_of_scope_answer_the_same_404(lang, cast, org):
    report = factories.file("deviation", cast["reporter"], org.unit_a)
    missing = assert_our_page(browser(cast["manager_b"], lang).get("/cases/999999/"), 404, lang)
    hidden = assert_our_page(browser(cast["manager_b"], lang).get(f"/cases/{report.pk}/"), 404, lang)
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", missing).replace("/cases/999999/", "") == token.sub("", hidden).replace(
        f"/cases/{report.pk}/", ""
    )
    assert_our_page(browser(None, lang).get("/no-such-page/"), 404, lang)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_page_the_user_may_not_open_answers_our_403(lang, cast):
    body = assert_our_page(browser(cast["reporter"], lang).get("/statistics/"), 403, lang)
    assert reverse("web:home") in body and reverse("login") in body


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_request_for_another_host_answers_our_400(lang):
    assert_our_page(browser(None, lang).get("/", HTTP_HOST="elsewhere.example"), 400, lang)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_server_error_answers_our_500_with_a_reference_and_logs_it(lang, cast, caplog):
    response = browser(cast["reporter"], lang).get("/broken/")
    body = assert_our_page(response, 500, lang)
    reference = response["X-Request-ID"]
    assert reference and reference in body
    assert "secret-internal-detail" in caplog.text and reference in caplog.text  # the operator's log


def test_the_500_page_needs_no_database():
    request = RequestFactory().get("/")
    request.request_id = "abc123"
    with assert_num_queries(0):
        response = errors.server_error(request)
    assert response.status_code == 500 and "abc123" in response.content.decode()


def test_the_api_answers_its_errors_in_json(cast):
    client = browser(cast["reporter"])
    missing = client.get("/api/v1/no-such-endpoint/")
    assert missing.status_code == 404 and missing.json() == {"detail": "Hittades inte."}
    broken = client.get("/api/v1/broken/")
    assert broken.status_code == 500 and broken.json()["reference"] == broken["X-Request-ID"]
    assert "secret-internal-detail" not in broken.content.decode()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_form_sent_from_a_stale_page_answers_our_page_and_saves_nothing(lang, cast):
    client = browser(cast["reporter"], lang, enforce_csrf_checks=True)
    response = client.post(reverse("web:report_form", args=["deviation"]), {"description": "x"})
    assert_our_page(response, "csrf", lang)


@pytest.fixture
def assess_url(cast, org):
    report = factories.file("deviation", cast["reporter"], org.unit_a)
    return report, reverse("web:transition", args=[report.pk, "assess"])


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_step_sent_twice_goes_back_to_the_case_with_a_message(lang, cast, assess_url):
    report, url = assess_url
    first_tab, second_tab = browser(cast["manager_a"], lang), browser(cast["manager_a"], lang)
    assert first_tab.get(url).status_code == second_tab.get(url).status_code == 200
    data = factories.transition_data(report, "assess")
    assert first_tab.post(url, data).status_code == 302
    response = second_tab.post(url, data, follow=True)
    case_url = reverse("web:case", args=[report.pk])
    assert response.status_code == 200 and response.redirect_chain == [(case_url, 302)]
    expected = {"sv": "Det här steget är redan gjort", "en": "This step has already been taken"}[lang]
    assert [m for m in response.context["messages"] if str(m).startswith(expected)]
    back = second_tab.get(url, follow=True)  # the back button to the form
    assert back.redirect_chain == [(case_url, 302)]


def test_a_step_the_user_never_may_take_is_still_our_403(cast, assess_url):
    _report, url = assess_url
    assert_our_page(browser(cast["reporter"]).get(url), 403, "sv")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_notification_step_sent_twice_goes_back_to_the_case_with_a_message(lang, cast, org):
    report = factories.file("data_breach", cast["reporter"], org.unit_a)
    report = factories.walk_to(report, "decided", cast)
    notification = report.regulator_notifications.get()
    url = reverse("web:notification_step", args=[report.pk, notification.pk, "submit"])
    client = browser(cast["dso"], lang)
    data = {"submitted_at": factories.ago(minutes=1), "channel": "e_service"}
    assert client.post(url, data, follow=True).status_code == 200
    response = client.post(url, data, follow=True)
    assert response.redirect_chain == [(reverse("web:case", args=[report.pk]), 302)]
    expected = {"sv": "Det här steget är redan gjort", "en": "This step has already been taken"}[lang]
    assert [str(m)[: len(expected)] for m in response.context["messages"]] == [expected]
