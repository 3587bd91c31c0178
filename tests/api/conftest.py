import pytest
from rest_framework.test import APIClient


@pytest.fixture
def client_as(cast):
    """An API client authenticated as one member of the cast."""

    def make(name):
        client = APIClient()
        client.force_authenticate(cast[name])
        return client

    return make


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
