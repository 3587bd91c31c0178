import pytest

from cases.events import case_event
from tests.api.conftest import _attachments_in_tmp, client_as  # noqa: F401  (the API fixtures, shared)


@pytest.fixture
def events():
    """The domain events sent (after commit) during the test: (name, data)."""
    seen = []

    def receiver(sender, name, report_id, actor_id, data, **kwargs):
        seen.append((name, data))

    case_event.connect(receiver)
    yield seen
    case_event.disconnect(receiver)
