"""Records management: retention rules, gallring (disposal) and loggkontroll (docs/records.md)."""
