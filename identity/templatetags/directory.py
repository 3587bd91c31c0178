"""Whether a role grant came from the directory (identity.directory) or was made by hand, for
the admin's roles page of a user."""

from django import template
from django.utils.translation import gettext as _

from identity.models import DirectoryGrant

register = template.Library()


@register.simple_tag
def grant_source(user, role, unit):
    if DirectoryGrant.objects.filter(user=user, role=role, unit=unit).exists():
        return _("the directory")
    return _("by hand")
