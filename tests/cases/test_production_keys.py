"""Production (``DEBUG=false``) refuses to start with a published development key, a key too
short to be secret, or one key serving as both: whoever holds a published audit key can
re-seal a rewritten audit trail, whoever holds a published SECRET_KEY can forge sessions."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent
GOOD = {"SECRET_KEY": "s" * 50, "AUDIT_HMAC_KEY": "k" * 32, "ALLOWED_HOSTS": "kvalitet.kommun.example"}


def start(**given):
    env = {k: v for k, v in os.environ.items() if k not in GOOD}
    env.update(DEBUG="false", DJANGO_SETTINGS_MODULE="config.settings", **{**GOOD, **given})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        cwd=BASE_DIR,
    )


@pytest.mark.parametrize(
    "given, refusal",
    [
        (
            {"AUDIT_HMAC_KEY": "insecure-development-only-audit-key"},
            "AUDIT_HMAC_KEY is a published development key; set a secret one when DEBUG is false.",
        ),
        (
            {"AUDIT_HMAC_KEY": "k" * 31},
            "AUDIT_HMAC_KEY must be at least 32 characters long when DEBUG is false.",
        ),
        (
            {"SECRET_KEY": "insecure-development-only-secret-key"},
            "SECRET_KEY is a published development key; set a secret one when DEBUG is false.",
        ),
        (
            {"SECRET_KEY": "django-insecure-" + "x" * 50},
            "SECRET_KEY is a published development key; set a secret one when DEBUG is false.",
        ),
        ({"SECRET_KEY": "s" * 49}, "SECRET_KEY must be at least 50 characters long when DEBUG is false."),
        ({"AUDIT_HMAC_KEY": "s" * 50}, "AUDIT_HMAC_KEY must differ from SECRET_KEY."),
    ],
    ids=[
        "dev-audit-key",
        "short-audit-key",
        "dev-secret-key",
        "django-insecure",
        "short-secret-key",
        "same-key",
    ],
)
def test_production_refuses_to_start_with_a_key_that_is_not_secret(given, refusal):
    result = start(**given)

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {refusal}" in result.stderr


def test_production_starts_with_keys_of_the_minimum_length():
    result = start()

    assert (result.returncode, result.stderr) == (0, "")
