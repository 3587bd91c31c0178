"""What reporting keeps (the models move here from ``cases`` in a later step)."""
