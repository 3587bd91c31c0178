from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from identity import urls as identity_urls
from identity.password_reset import PasswordResetView
from identity.views import ObtainTokenView

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before Django's own: this one limits the e-mails (identity.password_reset).
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    # Before Django's own: the login page with the identity providers, and the second factor.
    path("accounts/", include(identity_urls.accounts)),
    path("accounts/", include("django.contrib.auth.urls")),
    # Single sign-on (OIDC, SAML) and the second factor's enrolment: django-allauth (identity.urls).
    path("sso/", include(identity_urls.sso)),
    path("api/v1/auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("api/v1/notifications/", include("notifications.api.urls")),
    path("api/v1/", include("cases.api.urls")),
    path("notifications/", include("notifications.web.urls")),
    path("api/v1/", include("workflows.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The scripts' words (the djangojs catalogues) in the page's language.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # The health endpoint and the Prometheus metrics (operations; docs/operations.md).
    path("", include("operations.urls")),
    path("", include("records.urls")),
    path("", include("quality.web.urls")),
    path("", include("reporting.web.urls")),
    path("", include("cases.web.urls")),
]

# The project's own error pages, in Swedish and English (cases.web.errors).
handler400 = "cases.web.errors.bad_request"
handler403 = "cases.web.errors.permission_denied"
handler404 = "cases.web.errors.page_not_found"
handler500 = "cases.web.errors.server_error"
