"""Reporting: what is counted and published from the cases, never a change of a case.

The nämnd compilation and the kvalitetsberättelse chapter (tables), statistics with charts,
background exports, the SAS's review of anonymised summaries, the pre-aggregated monthly
counts, and the documents sent to IVO and IMY. Every table is computed over the cases that
``cases.selectors`` gives for the compilation's scope; no case content leaves except the
anonymised summaries."""
