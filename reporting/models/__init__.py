"""What reporting keeps: the monthly counts and what each case counts in, the small-count
rule, the documents sent to regulators, and the background exports.
They moved here from ``cases`` without moving their tables (``db_table`` keeps ``cases_…``;
migration reporting 0001 and cases 0017 move the state only)."""

from reporting.models.aggregates import CountedCase, MonthlyCount
from reporting.models.compilations import (
    DEFAULT_SUPPRESSION_THRESHOLD,
    ExportJob,
    FrozenDocumentError,
    RegulatorDocument,
    SummaryDraft,
    SuppressionRule,
)

__all__ = [
    "CountedCase",
    "DEFAULT_SUPPRESSION_THRESHOLD",
    "ExportJob",
    "FrozenDocumentError",
    "MonthlyCount",
    "RegulatorDocument",
    "SummaryDraft",
    "SuppressionRule",
]
