from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    """Who may sign in: throttling and lockout (django-axes), password-reset limits, API tokens
        and their lifetime, the shared cache these counters live in, single sign-on with users and
    roles from the directory, and the second factor."""

    name = "identity"
    verbose_name = _("Sign-in")

    def ready(self):
        # django-allauth's e-mail addresses and stored provider tokens are not used here
        # (e-mail comes from the directory; no provider token is kept): not in the admin.
        from allauth.account.models import EmailAddress
        from allauth.socialaccount.models import SocialToken
        from django.contrib import admin

        from identity import checks, signals, tokens  # noqa: F401  (system checks; audit; token revocation)

        for model in (EmailAddress, SocialToken):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
