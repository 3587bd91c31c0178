"""Pure helpers with no Django state of their own (no models, no queries, no requests), one
module per concern: redaction, periods, suppression, table, charts, clocks (deadline
arithmetic), validators (personnummer). The domain floor (``cases.models``,
``cases.services`` …, docs/architecture.md) and the rooms above it may import from here;
nothing here imports from the apps."""
