"""The project's URLs and error handlers, plus two views that fail, for the error-page tests."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns as project  # noqa: F401


def broken(request):
    raise RuntimeError("secret-internal-detail")


urlpatterns = [path("broken/", broken), path("api/v1/broken/", broken), *project]
