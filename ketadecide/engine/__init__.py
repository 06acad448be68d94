"""The evaluation core: a profile and a knowledge base in, a frozen result out."""

from ketadecide.engine.evaluate import check_profile_ids, evaluate_modalities
from ketadecide.engine.result import (
    Cost,
    Coverage,
    Crisis,
    Finding,
    ModalityResult,
    Result,
    Suggestion,
)

__all__ = [
    "Cost",
    "Coverage",
    "Crisis",
    "Finding",
    "ModalityResult",
    "Result",
    "Suggestion",
    "check_profile_ids",
    "evaluate_modalities",
]
