"""Request bodies as the domain's Django forms expect them.

The services validate with Django forms bound to ``data=``. A browser's form post already is
a ``QueryDict``; a JSON object is turned into the same shape, a ``MultiValueDict`` of strings,
so that multi-value fields (``categories``, ``data_categories``, ``causes``, ``breach_nature``)
keep every value and every field sees the text a form post would have given it.
"""

from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _


def _as_text(name, value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return str(value)  # for booleans "True"/"False", what the forms' yes/no fields accept
    raise ValidationError({name: [_("Give a single value or a list of values.")]})


def form_data(request):
    data = request.data
    if isinstance(data, MultiValueDict):
        return data
    if not isinstance(data, dict):
        raise ValidationError(_("Send the fields as a JSON object."))
    converted = MultiValueDict()
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        converted.setlist(name, [_as_text(name, item) for item in values])
    return converted
