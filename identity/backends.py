"""Authentication backends: local passwords (which a deployment may turn off for everyone but
superusers, the break-glass accounts) and the sessions that single sign-on begins."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class PasswordBackend(ModelBackend):
    """Django's password check; with ``LOCAL_PASSWORDS=false`` only a superuser's password
    counts, on every path that asks for one (the login page, the admin's, the API token)."""

    def user_can_authenticate(self, user):
        if not settings.LOCAL_PASSWORDS and not user.is_superuser:
            return False
        return super().user_can_authenticate(user)


class DirectoryBackend(ModelBackend):
    """The backend a session begun by single sign-on is tied to (identity.adapters): it checks
    no password and authenticates nobody by itself; it restores the session's active user."""

    def authenticate(self, request, **credentials):
        return None
