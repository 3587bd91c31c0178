"""The records pages' entry in the main menu, for those they have something for."""

from django import template

from records.selectors import has_records_pages

register = template.Library()


@register.simple_tag(takes_context=True)
def records_pages(context):
    request = context.get("request")
    return request is not None and has_records_pages(request.user)
