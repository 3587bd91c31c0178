"""The project's URLs and error handlers, plus two views that fail, for the error-page tests."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project


def broken(request):
    raise RuntimeError("secret-internal-detail")


urlpatterns = [path("broken/", broken), path("api/v1/broken/", broken), *project]
