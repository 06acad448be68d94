"""The consult's questions model now lives with its data file: :mod:`ketadecide.knowledge.files.questions`.
Re-exported here so existing imports keep working."""

from ketadecide.knowledge.files.questions import (
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
