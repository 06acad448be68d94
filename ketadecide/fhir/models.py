"""The model of ``codes.yaml`` now lives with its data file: :mod:`ketadecide.knowledge.files.codes`.
Re-exported here so existing imports keep working."""

from ketadecide.knowledge.files.codes import (
    LABEL_CONTRAINDICATION_CODES,
    CodeEntry,
    CodeIndex,
    CodesFile,
    CodeSystem,
    HistoryRule,
    Match,
    normalize_code,
)

__all__ = [
    "LABEL_CONTRAINDICATION_CODES",
    "CodeEntry",
    "CodeIndex",
    "CodeSystem",
    "CodesFile",
    "HistoryRule",
    "Match",
    "normalize_code",
]
