"""API tokens (DRF's ``authtoken``): issued for a username and password, refused API_TOKEN_TTL
after they were issued, and deleted when the password changes or the account is deactivated.

A password changes through the admin, the password change and reset pages, ``changepassword``
or ``set_password`` anywhere; every path ends in ``User.save`` with the new password pending,
which is where the user's tokens go. Deactivation deletes them in ``do_deactivate_user``.

Someone who must give a second factor (``requires_second_factor``: a superuser or holder of a
privileged role while ``REQUIRE_SECOND_FACTOR`` is on) gets a token only with a code from their
authenticator app or a recovery code (identity.views.ObtainTokenView); such a token is marked
(``TokenSecondFactor``), and a privileged user's token without the mark (issued before the role
was granted) is refused (identity.authentication).
"""

from django.conf import settings
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from rest_framework.authtoken.models import Token


def expires_at(token):
    return token.created + settings.API_TOKEN_TTL


def expired(token):
    return timezone.now() >= expires_at(token)


def requires_second_factor(user):
    from identity.privilege import is_privileged

    return settings.REQUIRE_SECOND_FACTOR and is_privileged(user)


def issue(user, *, second_factor=""):
    """The user's token: the one they have while it lasts, else a new one. ``second_factor``
    (the authenticator's type) marks a token issued with one; a token the user holds without
    the mark is then replaced."""
    from identity.models import TokenSecondFactor

    stale = Token.objects.filter(user=user, created__lte=timezone.now() - settings.API_TOKEN_TTL)
    if second_factor:
        stale = Token.objects.filter(user=user).filter(
            Q(created__lte=timezone.now() - settings.API_TOKEN_TTL) | Q(second_factor__isnull=True)
        )
    stale.delete()
    token, created = Token.objects.get_or_create(user=user)
    if second_factor and created:
        TokenSecondFactor.objects.create(token=token, type=second_factor)
    return token


def revoke(user):
    Token.objects.filter(user=user).delete()


@receiver(
    post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="identity.tokens.revoke_on_password_change"
)
def _revoke_on_password_change(sender, instance, raw=False, **kwargs):
    # set_password keeps the new password in _password until save() has sent post_save; a
    # hash upgraded at sign-in is saved with _password already cleared, so it revokes nothing.
    if not raw and getattr(instance, "_password", None) is not None:
        revoke(instance)
