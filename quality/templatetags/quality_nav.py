"""Links to the quality pages, for those who may see them."""

from django import template

from quality.selectors import chart_boards

register = template.Library()


@register.simple_tag(takes_context=True)
def quality_pages(context):
    request = context.get("request")
    return request is not None and bool(chart_boards(request.user))
