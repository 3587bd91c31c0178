"""The SAS's text blocks of the kvalitetsberättelse chapter (``ChapterText``): written by the
SAS of the board (or of the municipality, for its chapter), audited with each block's
fingerprint, never its text; the chapter export reads them (``reporting.services.tasks``)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from cases import audit
from cases.access import role_scope
from cases.models import ChapterText, OrgUnit, Role
from cases.services.guard import service

if TYPE_CHECKING:
    from cases.models import User

TEXT_LIMIT = 10000


def may_write_chapter_texts(user: User, unit: OrgUnit) -> bool:
    """The SAS of the board, or SAS held at the municipality for its own chapter."""
    return (
        user.is_authenticated
        and unit.kind in (OrgUnit.Kind.BOARD, OrgUnit.Kind.MUNICIPALITY)
        and role_scope(user).has(Role.SAS, unit)
    )


def _normalised(text: str) -> str:
    return "\n".join(line.rstrip() for line in (text or "").replace("\r\n", "\n").strip().split("\n"))


@service
def do_save_chapter_texts(
    acting_user: User,
    unit: OrgUnit,
    year: int,
    *,
    introduction: str = "",
    analysis: str = "",
    conclusions: str = "",
) -> ChapterText:
    """Store the SAS's introduction, analysis and conclusions of ``unit``'s chapter for ``year``
    (replacing what was there). ``PermissionDenied`` for anyone but the SAS of the unit."""
    if not may_write_chapter_texts(acting_user, unit):
        raise PermissionDenied(_("Only the SAS of the board writes the chapter's texts."))
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Enter a year between 2000 and 2100.")})
    texts = {
        "introduction": _normalised(introduction),
        "analysis": _normalised(analysis),
        "conclusions": _normalised(conclusions),
    }
    for name, text in texts.items():
        if len(text) > TEXT_LIMIT or "\x00" in text:
            raise ValidationError({name: _("At most 10,000 characters of text.")})
    chapter, created = ChapterText.objects.update_or_create(
        unit=unit, year=year, defaults={**texts, "updated_by": acting_user}
    )
    audit.record(
        "chapter_texts.saved",
        actor=acting_user,
        obj=chapter,
        payload={
            "unit": unit.pk,
            "year": year,
            "first": created,
            **{f"{name}_sha256": hashlib.sha256(text.encode()).hexdigest() for name, text in texts.items()},
        },
    )
    return chapter
