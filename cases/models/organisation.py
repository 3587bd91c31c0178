"""The organisation tree and the roles granted on its nodes.

kommun → nämnd → förvaltning → avdelning → enhet. A role granted on a node reaches every
node below it. The nämnd is a secrecy boundary (OSL 8 kap.): nothing here lets a grant in
one nämnd reach another, because grants only flow downwards.

Roles are Django groups, one per (role, node), holding one guardian object permission on
that node in the direct-FK tables below; a user has a role on a node by being in its group.
Permission rows therefore scale with nodes × roles, not with cases.
"""

from django.contrib.auth.models import AbstractUser, AnonymousUser, Group
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class User(AbstractUser):
    title = models.CharField(_("title (befattning)"), max_length=120, blank=True)
    # Where the person works, with or without a role: it puts every user, a reporter too, in a
    # board, and so decides which board's administrators administer them (cases.administration).
    home_unit = models.ForeignKey(
        "OrgUnit",
        verbose_name=_("home unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Where the person works. It decides which board's administrators administer the user; "
            "without it, only a superuser does."
        ),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self):
        return self.get_full_name() or self.username


class Role(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    REGISTRAR = "registrar", _("Registrar")
    UNIT_MANAGER = "unit_manager", _("Unit manager")
    SAS = "sas", _("Quality coordinator (SAS)")
    DECISION_MAKER = "decision_maker", _("Decision maker (delegat)")
    DSO = "dso", _("Data protection officer / PuA delegate")
    ADMINISTRATOR = "administrator", _("Administrator")
    LEADERSHIP = "leadership", _("Leadership (aggregates only)")
    # Approves gallring (records/): sees case numbers, types and dates of the cases due, never their content.
    ARCHIVIST = "arkivansvarig", _("Archivist (arkivansvarig)")
    # Lex Maria (patientsäkerhetslagen 2010:659): the person the provider appointed to report
    # health-care injuries to IVO, in a municipality the MAS or MAR.
    MAS = "mas", _("Medically responsible nurse (MAS/MAR)")


def role_codename(role):
    return f"role_{role}"


# Every employee may report; the other roles are granted on nodes.
GRANTABLE_ROLES = [r for r in Role if r != Role.REPORTER]


class OrgUnit(models.Model):
    class Kind(models.TextChoices):
        MUNICIPALITY = "kommun", _("Municipality (kommun)")
        BOARD = "namnd", _("Board (nämnd)")
        ADMINISTRATION = "forvaltning", _("Administration (förvaltning)")
        DEPARTMENT = "avdelning", _("Department (avdelning)")
        UNIT = "enhet", _("Unit (enhet)")

    LEVELS: list[str] = [Kind.MUNICIPALITY, Kind.BOARD, Kind.ADMINISTRATION, Kind.DEPARTMENT, Kind.UNIT]

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_private_provider = models.BooleanField(
        _("private provider (enskild verksamhet)"),
        default=False,
        help_text=_("A provider under contract; the board must hear of its reports."),
    )
    case_number_prefix = models.CharField(
        _("case number prefix"),
        max_length=10,
        blank=True,
        help_text=_("Boards only, e.g. SN gives SN 2026/0123."),
    )
    organisation_number = models.CharField(
        _("organisation number"),
        max_length=11,
        blank=True,
        help_text=_(
            "The municipality's, or a private provider's, e.g. 212000-0000: it names who notifies IVO."
        ),
    )
    # When the unit existed (both days included; blank: always). A compilation lists as a row
    # every unit that existed at some time in its period, and no other (docs/compilations.md).
    active_from = models.DateField(
        _("active from"),
        null=True,
        blank=True,
        help_text=_("The first day the unit existed. Blank: it has always existed."),
    )
    active_until = models.DateField(
        _("active until"),
        null=True,
        blank=True,
        help_text=_("The last day the unit existed, when it has been closed. Blank: it still exists."),
    )
    # Materialised path of primary keys ("/1/4/9/"): a subtree is one indexed prefix match.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    namnd = models.ForeignKey(
        "self", null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        ordering = ["path"]
        permissions = [(role_codename(r.value), r.label) for r in Role if r != Role.REPORTER]

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == self.Kind.MUNICIPALITY:
            if self.parent_id:
                raise ValidationError({"parent": _("A municipality has no parent.")})
            return
        if not self.parent_id:
            raise ValidationError({"parent": _("Only a municipality may be without a parent.")})
        if self.LEVELS.index(self.parent.kind) >= self.LEVELS.index(self.kind):
            raise ValidationError({"parent": _("The parent must be higher up in the tree than this unit.")})
        if self.kind == self.Kind.BOARD and not self.case_number_prefix:
            raise ValidationError({"case_number_prefix": _("A board needs a case number prefix.")})
        if self.pk and self.path:
            stored = OrgUnit.objects.filter(pk=self.pk).values_list("is_private_provider", flat=True).first()
            if stored is not None and stored != self.is_private_provider:
                from cases.selectors import cases_filed_under

                if cases_filed_under(self):
                    # The provision of a case is its unit's: changing the mark would move the
                    # unit's past cases into or out of the board's total (docs/compilations.md).
                    raise ValidationError(
                        {
                            "is_private_provider": _(
                                "Cases are filed on this unit, so its provision cannot change: set the day it "
                                "closed (active until) and add a new unit for the new provider from the day after."
                            )
                        }
                    )
        if self.active_from and self.active_until and self.active_until < self.active_from:
            raise ValidationError({"active_until": _("The unit cannot close before it opened.")})

    def save(self, *args, **kwargs):
        if self.kind == self.Kind.MUNICIPALITY:
            self.parent = None
        if self.pk is None:
            super().save(*args, **kwargs)
            kwargs = {k: v for k, v in kwargs.items() if k not in ("force_insert",)}
        parent_path = self.parent.path if self.parent_id else "/"
        self.path = f"{parent_path}{self.pk}/"
        if self.kind == self.Kind.BOARD:
            self.namnd_id = self.pk
        elif self.parent_id:
            self.namnd_id = self.parent.namnd_id
        super().save(*args, **{k: v for k, v in kwargs.items() if k != "force_insert"})

    def existed_between(self, start, end):
        """Whether the unit existed on at least one day of ``start``..``end`` (dates, inclusive)."""
        return (self.active_from is None or self.active_from <= end) and (
            self.active_until is None or self.active_until >= start
        )

    def descendants_and_self(self):
        return OrgUnit.objects.filter(path__startswith=self.path)


class OrgUnitUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(OrgUnit, on_delete=models.CASCADE)


class OrgUnitGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(OrgUnit, on_delete=models.CASCADE)


def role_group_name(role, unit):
    return f"{role}@{unit.pk}"


def role_group(role, unit):
    group, _created = Group.objects.get_or_create(name=role_group_name(role, unit))
    return group


# Whoever asks: a person with an account, or nobody logged in (``request.user``).
AnyUser = User | AnonymousUser
