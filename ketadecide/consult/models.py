"""The consult's questions model now lives with its data file: :mod:`ketadecide.knowledge.files.questions`.
Re-exported here so existing imports keep working."""

from ketadecide.knowledge.files.questions import (
    PHQ9_ITEMS,
    PHQ9_MAX,
    Band,
    Bands,
    Choice,
    CitedHelp,
    Help,
    Messages,
    Question,
    QuestionsFile,
    Section,
)

__all__ = [
    "PHQ9_ITEMS",
    "PHQ9_MAX",
    "Band",
    "Bands",
    "Choice",
    "CitedHelp",
    "Help",
    "Messages",
    "Question",
    "QuestionsFile",
    "Section",
]
