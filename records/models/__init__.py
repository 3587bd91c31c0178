"""The records room's tables: retention rules, gallring runs and tombstones, log reviews."""

from records.models.gallring import ArchivalPackage, DisposalItem, DisposalRun, DisposedCase
from records.models.logreview import LogPick, LogReview
from records.models.retention import RetentionRule

__all__ = [
    "ArchivalPackage",
    "DisposalItem",
    "DisposalRun",
    "DisposedCase",
    "LogPick",
    "LogReview",
    "RetentionRule",
]
