"""The browsable API under the content-security policy (docs/operations.md)."""

from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's page less its inline <style> block of pygments rules, which the policy refuses
    (no inline style) and which only serves Markdown docstrings: Markdown is not installed."""

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        return context
