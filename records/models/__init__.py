"""The records room's tables: retention rules, gallring runs and tombstones, log reviews."""

from records.models.gallring import DisposalItem, DisposalRun, DisposedCase
from records.models.logreview import LogPick, LogReview
from records.models.retention import RetentionRule

__all__ = ["DisposalItem", "DisposalRun", "DisposedCase", "LogPick", "LogReview", "RetentionRule"]
