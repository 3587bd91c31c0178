"""`check --deploy` warns when the rate limits would count per process, and when privileged
roles would sign in without a second factor."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
}


@register(Tags.caches, deploy=True)
def cache_is_shared(app_configs, **kwargs):
    if settings.CACHES["default"]["BACKEND"] in PER_PROCESS:
        return [
            Warning(
                "The default cache is not shared between processes: every worker counts the public "
                "form's and the password reset's rate limits on its own, and a restart resets them.",
                hint="Leave CACHE_URL unset (the database cache) or point it, or REDIS_URL, at Redis.",
                id="identity.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def second_factor_required(app_configs, **kwargs):
    """Superusers and privileged roles give a second factor unless the deployment says otherwise."""
    if not settings.REQUIRE_SECOND_FACTOR:
        return [
            Warning(
                "REQUIRE_SECOND_FACTOR is off: the SAS, decision makers, DSOs, administrators and "
                "superusers sign in with a password alone.",
                hint="Unset REQUIRE_SECOND_FACTOR (it is on when DEBUG is false) (docs/identity.md).",
                id="identity.W002",
            )
        ]
    return []
