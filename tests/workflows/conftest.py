from tests.api.conftest import _attachments_in_tmp, client_as  # noqa: F401  (the API fixtures, shared)
