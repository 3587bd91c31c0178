"""Request bodies in the OpenAPI schema, read off the Django forms the services validate with,
so that the documentation cannot drift from the rules."""

from django import forms
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


def _choice(form_field, options):
    values = [key for key, _label in form_field.choices if key != ""]
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return serializers.IntegerField(min_value=min(values), max_value=max(values), **options)
    return serializers.ChoiceField(choices=form_field.choices, **options)


def _field(form_field):
    options = {"required": form_field.required, "help_text": str(form_field.label or "")}
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **options)
    if isinstance(form_field, forms.MultipleChoiceField):
        return serializers.ListField(child=serializers.ChoiceField(choices=form_field.choices), **options)
    if isinstance(form_field, forms.ModelChoiceField):
        return serializers.CharField(**options) if form_field.to_field_name else serializers.IntegerField(**options)
    if isinstance(form_field, forms.BooleanField):
        return serializers.BooleanField(**{**options, "required": False})
    if isinstance(form_field, forms.ChoiceField):
        return _choice(form_field, options)
    if isinstance(form_field, forms.IntegerField):
        return serializers.IntegerField(**options)
    if isinstance(form_field, forms.DateTimeField):
        return serializers.DateTimeField(**options)
    if isinstance(form_field, forms.DateField):
        return serializers.DateField(**options)
    return serializers.CharField(**options)


def form_body(form_class, name, **documented_otherwise):
    """The form's fields as a request body; ``documented_otherwise`` replaces a field whose
    valid values depend on the case, which a fixed enum would misstate."""
    fields = {key: _field(field) for key, field in form_class.base_fields.items()}
    return inline_serializer(name=name, fields={**fields, **documented_otherwise})
