"""The OpenAPI schema's request bodies, read off the Django forms the services validate with,
so that the documentation cannot drift from the rules; and the errors every operation can
answer, added by rule."""

from django import forms
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
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
        return (
            serializers.CharField(**options)
            if form_field.to_field_name
            else serializers.IntegerField(**options)
        )
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


ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Each field's messages, errors about the input as a whole under `non_field_errors`; a body "
    "that cannot be read at all answers with `detail`.",
    "additionalProperties": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
}
ERRORS = {
    "400": "The input is not valid: each field's messages.",
    "401": "Not signed in: no valid token or session.",
    "403": "Signed in, but the user's roles do not allow this (or, with a session, the CSRF token is missing).",
    "404": "Not found, or outside what the user may see: the two answer alike. For a list, a page that is not there.",
    "409": "The object is not in a state where this can be done.",
    "413": "The request is too large.",
    "415": "The body's media type is not one the operation reads (see its request body), or it has none.",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Changes of a case, its parts and tasks meet a state that may refuse them (cases.services.InvalidState).
STATEFUL_PATHS = ("/api/v1/reports/{report_id}/", "/api/v1/tasks/{id}/")


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, with the errors each operation can answer (cases/api/errors.py): an
    operation documents what it returns when it succeeds, and this adds the rest by rule, so
    that a new endpoint's schema is complete without a line of its own.

    400 where there is input (query parameters or a body), 401 and 403 where authentication
    is required, 404 where a path names an object or a list has pages, 409 where a change
    meets a state that refuses it, 413 and 415 where there is a body. An operation that answers
    another error documents its code with ``extend_schema(responses={404: OpenApiResponse(
    description=...)})``, and gets the error's body from here. The schemathesis run
    (tests/api/test_schemathesis.py) fails on any status code the schema does not list."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        needs_login = {} not in operation.get("security", [{}])
        places = {p["in"] for p in parameters}
        by_rule = {
            "400": has_body or "query" in places or "header" in places,
            "401": needs_login,
            "403": needs_login,
            "404": "path" in places or any(p["name"] == "page" for p in parameters),
            "409": self.method in UNSAFE and self.path.startswith(STATEFUL_PATHS),
            "413": has_body,
            "415": has_body,
        }
        responses = operation["responses"]
        for code, applies in by_rule.items():
            if applies and code not in responses:
                responses[code] = {"description": ERRORS[code]}
        for code, response in responses.items():
            if int(code) >= 400 and "content" not in response:
                schema = FIELD_ERRORS if code == "400" else ERROR
                response["content"] = {"application/json": {"schema": self._component(schema)}}
        return operation

    def _component(self, schema):
        name = "Error" if schema is ERROR else "FieldErrors"
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref
