"""Pure helpers with no Django state: periods, small-count suppression, tables, charts; one module per concern."""
