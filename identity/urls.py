"""The sign-in pages: the login page with its identity providers, the second factor, and the
parts of django-allauth this project uses (the providers' protocol endpoints, the second
factor's enrolment and recovery codes). django-allauth's own password, e-mail, sign-up and
connection pages are not mounted: passwords keep Django's pages (config/urls.py)."""

from allauth.account import views as account_views
from allauth.socialaccount import views as social_views
from allauth.urls import build_provider_urlpatterns
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from identity.views import LoginView, SecondFactorView, enrol

accounts = [
    path("login/", LoginView.as_view(), name="login"),
    path("second-factor/", SecondFactorView.as_view(), name="second_factor"),
]

sso = [
    # django-allauth's names for pages this project keeps elsewhere.
    path("login/", RedirectView.as_view(pattern_name="login", query_string=True), name="account_login"),
    path("logout/", auth_views.LogoutView.as_view(), name="account_logout"),
    path("inactive/", account_views.account_inactive, name="account_inactive"),
    path("reauthenticate/", account_views.reauthenticate, name="account_reauthenticate"),
    path("2fa/totp/activate/", enrol, name="mfa_activate_totp"),
    path("2fa/", include("allauth.mfa.urls")),
    path("3rdparty/login/cancelled/", social_views.login_cancelled, name="socialaccount_login_cancelled"),
    path("3rdparty/login/error/", social_views.login_error, name="socialaccount_login_error"),
    path("3rdparty/signup/", social_views.signup, name="socialaccount_signup"),
    *build_provider_urlpatterns(),
]
