from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    """Who may sign in: throttling and lockout (django-axes), password-reset limits, API tokens
    and their lifetime, and the shared cache these counters live in."""

    name = "identity"
    verbose_name = _("Sign-in")

    def ready(self):
        from identity import checks, tokens  # noqa: F401  (system checks; token revocation)
