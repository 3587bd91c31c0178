"""The web filing forms' one-time token: a hidden ``idempotency_key`` in each form, new each
time the form is shown, so that a double click, the browser sending the form again, or a retry
after an answer that never arrived files one report (``cases.idempotency``)."""

import uuid

from django.core.exceptions import ValidationError
from django.middleware.csrf import CSRF_SESSION_KEY

from cases import idempotency

FIELD = "idempotency_key"
NOT_THE_REQUEST = {FIELD, "csrfmiddlewaretoken", CSRF_SESSION_KEY}


def new_key():
    return uuid.uuid4().hex


def posted_key(request):
    """The form's token; a malformed one (no form of ours sends it) counts as none."""
    try:
        return idempotency.checked(request.POST.get(FIELD))
    except ValidationError:
        return None


def file_once(request, user, file):
    """``file()`` once per token; the answer, and whether it is an earlier one's."""
    data = {name: values for name, values in request.POST.lists() if name not in NOT_THE_REQUEST}
    fingerprint = idempotency.fingerprint(request.method, request.path, data, request.FILES)
    return idempotency.once(user, posted_key(request), fingerprint, file)


def key_for_form(request, reused=False):
    """The token the form is shown with: the posted one while it has filed nothing."""
    return (None if reused else posted_key(request)) or new_key()
