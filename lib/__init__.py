"""Pure helpers with no Django state of their own (no models, no settings, no requests):
text redaction today, and whatever else the domain floor and the rooms above it share. The
domain floor (``cases.models``, ``cases.services`` …, docs/architecture.md) may import from
here; nothing here imports from the apps."""
