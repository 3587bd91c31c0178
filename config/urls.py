from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/notifications/", include("notifications.api_urls")),
    path("api/v1/", include("cases.api.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("workflows.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The scripts' words (the djangojs catalogues) in the page's language.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("cases.compilations.urls")),
    path("", include("cases.web.urls")),
]
