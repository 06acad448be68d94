"""The data files of a knowledge base: one module per file (its model), one typed spec here.

A spec names the file and imports its model only when the file is first validated, so a
single comparison does not pay for features it does not use. The knowledge base reaches an
optional file through its spec (``kb.values()``, ``kb.has(files.VALUES)``), never by a file
name, so mypy checks every call site.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from ketadecide.knowledge.files.codes import CodesFile
    from ketadecide.knowledge.files.decision import DecisionFile
    from ketadecide.knowledge.files.evidence import EvidenceFile
    from ketadecide.knowledge.files.questions import QuestionsFile
    from ketadecide.knowledge.files.troubleshooting import TroubleshootingFile
    from ketadecide.knowledge.files.values import ValuesFile
    from ketadecide.knowledge.models import ContraindicationsFile, ModalitiesFile, SourcesFile

M_co = TypeVar("M_co", bound=BaseModel, covariant=True)


@dataclass(frozen=True)
class DataFile(Generic[M_co]):
    """One data file: its name in a data directory and its model."""

    name: str
    load_model: Callable[[], type[M_co]]
    """The model class, imported when first needed."""
    required: bool = False
    bundled_default: bool = False
    """A data directory without this file uses the bundled one (decided in the loader, so
    the bundled bytes are in the knowledge base's hash and in its cache entry)."""

    def model(self) -> type[M_co]:
        return self.load_model()


def _sources() -> type[SourcesFile]:
    from ketadecide.knowledge.models import SourcesFile

    return SourcesFile


def _modalities() -> type[ModalitiesFile]:
    from ketadecide.knowledge.models import ModalitiesFile

    return ModalitiesFile


def _contraindications() -> type[ContraindicationsFile]:
    from ketadecide.knowledge.models import ContraindicationsFile

    return ContraindicationsFile


def _troubleshooting() -> type[TroubleshootingFile]:
    from ketadecide.knowledge.files.troubleshooting import TroubleshootingFile

    return TroubleshootingFile


def _questions() -> type[QuestionsFile]:
    from ketadecide.knowledge.files.questions import QuestionsFile

    return QuestionsFile


def _codes() -> type[CodesFile]:
    from ketadecide.knowledge.files.codes import CodesFile

    return CodesFile


def _evidence() -> type[EvidenceFile]:
    from ketadecide.knowledge.files.evidence import EvidenceFile

    return EvidenceFile


def _values() -> type[ValuesFile]:
    from ketadecide.knowledge.files.values import ValuesFile

    return ValuesFile


def _decision() -> type[DecisionFile]:
    from ketadecide.knowledge.files.decision import DecisionFile

    return DecisionFile


SOURCES = DataFile("sources.yaml", _sources, required=True)
MODALITIES = DataFile("modalities.yaml", _modalities, required=True)
CONTRAINDICATIONS = DataFile("contraindications.yaml", _contraindications, required=True)
TROUBLESHOOTING = DataFile("troubleshooting.yaml", _troubleshooting)
QUESTIONS = DataFile("questions.yaml", _questions, bundled_default=True)
CODES = DataFile("codes.yaml", _codes)
EVIDENCE = DataFile("evidence.yaml", _evidence)
VALUES = DataFile("values.yaml", _values)
DECISION = DataFile("decision.yaml", _decision)

REQUIRED: tuple[DataFile[BaseModel], ...] = (SOURCES, MODALITIES, CONTRAINDICATIONS)
"""Every data directory has these."""
OPTIONAL: tuple[DataFile[BaseModel], ...] = (TROUBLESHOOTING, QUESTIONS, CODES, EVIDENCE, VALUES, DECISION)
"""Files other features read when present, validated when first used."""
BY_NAME: dict[str, DataFile[BaseModel]] = {f.name: f for f in (*REQUIRED, *OPTIONAL)}

#: The modules that hold data-file models (the cache may name classes only from these).
MODEL_MODULES: frozenset[str] = frozenset(
    {
        "ketadecide.knowledge.models",
        "ketadecide.predicates",
        "ketadecide.knowledge.files.troubleshooting",
        "ketadecide.knowledge.files.questions",
        "ketadecide.knowledge.files.codes",
        "ketadecide.knowledge.files.evidence",
        "ketadecide.knowledge.files.values",
        "ketadecide.knowledge.files.decision",
    }
)
