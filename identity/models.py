"""What the directory (the municipality's identity provider) decides about a user, and the
tables each board's administrator keeps to translate it: directory groups to roles on units,
directory unit codes to home units (identity.directory applies them at every sign-in)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import GRANTABLE_ROLES, OrgUnit

ROLE_CHOICES = [(role.value, role.label) for role in GRANTABLE_ROLES]


class GroupRoleMapping(models.Model):
    """Members of a directory group hold ``role`` on ``unit`` while the directory says so."""

    group = models.CharField(
        _("directory group"),
        max_length=255,
        help_text=_("The group's name or id as the identity provider sends it in the groups claim."),
    )
    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(
        _("identity provider"),
        max_length=100,
        blank=True,
        help_text=_("The provider's id; empty for every provider."),
    )
    # Who last changed the row: nobody receives a role that reads cases through a mapping
    # they edited themselves (identity.directory).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("directory group mapping")
        verbose_name_plural = _("directory group mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "role", "unit", "provider"], name="identity_group_role_once"
            )
        ]
        ordering = ["group", "role"]

    def __str__(self):
        return f"{self.group} → {self.get_role_display()} @ {self.unit}"


class UnitCodeMapping(models.Model):
    """A directory unit code (e.g. a cost centre in the ``department`` attribute) names a home unit."""

    code = models.CharField(_("directory unit code"), max_length=100, unique=True)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("directory unit code")
        verbose_name_plural = _("directory unit codes")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} → {self.unit}"


class DirectoryGrant(models.Model):
    """A role grant made by the directory; only these are revoked by it. A grant without such a
    row was made by hand and stays whatever the directory says."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_grants"
    )
    role = models.CharField(max_length=20, choices=ROLE_CHOICES)
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role from the directory")
        verbose_name_plural = _("roles from the directory")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="identity_directory_grant_once")
        ]


class DirectoryProfile(models.Model):
    """What the directory last said about a user that the user model does not hold."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory")
    employee_id = models.CharField(_("employee id"), max_length=100, blank=True, db_index=True)
    unit_code = models.CharField(_("directory unit code"), max_length=100, blank=True)
    provider = models.CharField(_("identity provider"), max_length=100, blank=True)
    synced_at = models.DateTimeField(_("last updated from the directory"), auto_now=True)

    class Meta:
        verbose_name = _("directory profile")
        verbose_name_plural = _("directory profiles")


class TokenSecondFactor(models.Model):
    """An API token issued with a second factor (identity.tokens): a privileged user's token
    without one is refused while ``REQUIRE_SECOND_FACTOR`` is on (identity.authentication)."""

    token = models.OneToOneField(
        "authtoken.Token", primary_key=True, on_delete=models.CASCADE, related_name="second_factor"
    )
    type = models.CharField(max_length=20)
    given_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("API token's second factor")
        verbose_name_plural = _("API tokens' second factors")
