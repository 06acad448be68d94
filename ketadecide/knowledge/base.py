"""The loaded, validated knowledge base: what the engine evaluates profiles against."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ketadecide.citations import Ref
from ketadecide.knowledge import files as data_files
from ketadecide.knowledge.models import (
    Completeness,
    ConflictRule,
    ContraindicationsFile,
    CrisisRecord,
    Disclaimer,
    FreshnessRule,
    ModalitiesFile,
    Modality,
    Rule,
    ScreenRule,
    Source,
    StaleRule,
    TreatmentResistance,
)
from ketadecide.knowledge.reviewed import reviewed_dates
from ketadecide.profile import MODALITY_IDS, ModalityId

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ketadecide.knowledge.files.codes import CodesFile
    from ketadecide.knowledge.files.decision import DecisionFile
    from ketadecide.knowledge.files.evidence import EvidenceFile
    from ketadecide.knowledge.files.questions import QuestionsFile
    from ketadecide.knowledge.files.troubleshooting import TroubleshootingFile
    from ketadecide.knowledge.files.values import ValuesFile


@dataclass(frozen=True)
class OverlayInfo:
    """A clinic's overlay in use (CONTRACT §3 ``knowledge_base.overlay``)."""

    sha256: str
    """SHA-256 over the clinic's files (names and bytes)."""
    files: tuple[str, ...]
    """The clinic's files, sorted."""


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything read from one data directory, validated and cross-checked."""

    data_dir: Path
    """Where the data was read from."""
    files: tuple[str, ...]
    """Names of the data files in use, sorted."""
    sha256: str
    """SHA-256 over the data files in use (names and bytes), so a result can be reproduced."""
    core_reviewed: dt.date
    """The oldest review date among the core files' records (sources, modalities, rules)."""
    sources: dict[str, Source]
    modalities: dict[str, Modality]
    """In contract order: spravato, iv, im, compounded."""
    treatment_resistance: TreatmentResistance
    disclaimer: Disclaimer
    crisis: CrisisRecord
    completeness: Completeness
    """The fields the safety screen needs, and what to ask for each."""
    conditions: dict[str, Rule]
    medications: dict[str, Rule]
    screens: dict[str, ScreenRule]
    conflicts: dict[str, ConflictRule]
    """Answers that contradict each other, and how they are read until resolved."""
    stale_reading: StaleRule
    """The finding an old record value keeps when it would have raised a flag."""
    freshness: dict[str, FreshnessRule]
    """How old a record value may be and still be used (FHIR import, CDS service)."""
    extras: Mapping[str, Any] = field(default_factory=dict)
    overlay: OverlayInfo | None = None
    """A clinic's overlay, when one is merged into the bundled data (:attr:`sha256` is then
    the bundled data's hash)."""
    synthetic: bool = False
    """Standalone synthetic test data (``overlay.yaml``: ``standalone: synthetic``): every
    result built from it says so, and nothing serves it (issue 21)."""
    """The optional files underneath (a :class:`~ketadecide.knowledge.loader.LazyExtras`,
    keyed by file name): features use the typed accessors below instead."""

    @classmethod
    def from_files(
        cls,
        *,
        data_dir: Path,
        files: tuple[str, ...],
        sha256: str,
        reviewed: dt.date,
        sources: dict[str, Source],
        modalities_file: ModalitiesFile,
        contraindications_file: ContraindicationsFile,
        extras: Mapping[str, Any],
        overlay: tuple[str, tuple[str, ...]] | None = None,
        synthetic: bool = False,
    ) -> KnowledgeBase:
        return cls(
            data_dir=data_dir,
            files=files,
            sha256=sha256,
            core_reviewed=reviewed,
            sources=sources,
            modalities={m: modalities_file.modalities[cast(ModalityId, m)] for m in MODALITY_IDS},
            treatment_resistance=modalities_file.treatment_resistance,
            disclaimer=modalities_file.disclaimer,
            crisis=contraindications_file.crisis,
            completeness=contraindications_file.completeness,
            conditions=dict(contraindications_file.conditions),
            medications=dict(contraindications_file.medications),
            screens=dict(contraindications_file.screens),
            conflicts=dict(contraindications_file.conflicts),
            stale_reading=contraindications_file.stale_reading,
            freshness=dict(contraindications_file.freshness),
            extras=extras,
            overlay=OverlayInfo(*overlay) if overlay else None,
            synthetic=synthetic,
        )

    @property
    def overlay_summary(self) -> tuple[str, tuple[str, ...]] | None:
        """``(sha256, files)`` of a clinic's overlay in use, else ``None``."""
        return (self.overlay.sha256, self.overlay.files) if self.overlay else None

    @property
    def reviewed(self) -> dt.date:
        """The oldest review date among the records in use: the core files, and any optional
        file a feature has loaded (troubleshooting, questions, codes). A stale record shows."""
        oldest = getattr(self.extras, "oldest_review", lambda: None)()
        return min(self.core_reviewed, oldest) if oldest else self.core_reviewed

    @cached_property
    def core_newest(self) -> dt.date:
        """The newest review date among the core files' records (walked once)."""
        models: list[Any] = [
            *self.sources.values(),
            *self.modalities.values(),
            self.treatment_resistance,
            self.disclaimer,
            self.crisis,
            self.completeness,
            *self.conditions.values(),
            *self.medications.values(),
            *self.screens.values(),
            *self.conflicts.values(),
            self.stale_reading,
            *self.freshness.values(),
        ]
        return max((d for m in models for _, d in reviewed_dates(m)), default=self.core_reviewed)

    @property
    def newest_reviewed(self) -> dt.date:
        """The newest review date among the same records as :attr:`reviewed`: with it, the
        span a report's data was checked over (issue 24 review, C3: a footer giving only the
        oldest date understates how recently the content was checked)."""
        newest = getattr(self.extras, "newest_review", lambda: None)()
        return max(self.core_newest, newest) if newest else self.core_newest

    # ------------------------------------------------------------------ optional files
    # One typed accessor per optional file. Each validates its file the first time it is
    # used (counting its records toward ``reviewed``); ``None`` when the data has none.

    def has(self, spec: data_files.DataFile[BaseModel]) -> bool:
        """Whether the data offers the optional file ``spec`` (without validating it)."""
        return spec.name in self.extras

    def _file(self, spec: data_files.DataFile[data_files.M_co]) -> data_files.M_co | None:
        get = getattr(self.extras, "file", None)
        found = get(spec) if callable(get) else self.extras.get(spec.name)  # a plain mapping: tests
        return found if isinstance(found, spec.model()) else None

    def troubleshooting(self) -> TroubleshootingFile | None:
        """``troubleshooting.yaml``: what to try when a course is not going as hoped."""
        return self._file(data_files.TROUBLESHOOTING)

    def questions(self) -> QuestionsFile:
        """``questions.yaml``: the data directory's own, else the bundled one (decided when
        the data was loaded, so its bytes are in :attr:`sha256` and the cache entry)."""
        found = self._file(data_files.QUESTIONS)
        if found is None:  # only a broken installation lacks the bundled file
            from ketadecide.errors import InputError, Problem

            raise InputError(Problem("no questions.yaml here or in the bundled data", str(self.data_dir)))
        return found

    def questions_origin(self) -> tuple[Path, dict[str, Source]]:
        """Where :meth:`questions` came from, and the sources its help texts cite."""
        name = data_files.QUESTIONS.name
        path_of = getattr(self.extras, "path_of", None)
        sources_of = getattr(self.extras, "sources_of", None)
        if callable(path_of) and callable(sources_of):
            return path_of(name), sources_of(name)
        return self.data_dir / name, dict(self.sources)

    def codes(self) -> CodesFile | None:
        """``codes.yaml``: which record codes mean which profile values (FHIR import)."""
        return self._file(data_files.CODES)

    def evidence(self) -> EvidenceFile | None:
        """``evidence.yaml``: outcomes and adverse effects per modality (decision support)."""
        return self._file(data_files.EVIDENCE)

    def values(self) -> ValuesFile | None:
        """``values.yaml``: the attributes a person can rate (decision support)."""
        return self._file(data_files.VALUES)

    def decision(self) -> DecisionFile | None:
        """``decision.yaml``: the SURE test and choosing a clinic (decision support)."""
        return self._file(data_files.DECISION)

    # ------------------------------------------------------------------ citations

    def ref(self, ref: str) -> Ref:
        """Resolve a source reference such as ``spravato_pi §4``."""
        source_id, _, locator = ref.partition(" ")
        source = self.sources[source_id]
        return Ref(source_id, locator.strip(), source.citation, source.url, source.reviewed)

    def refs(self, refs: tuple[str, ...]) -> tuple[Ref, ...]:
        return tuple(self.ref(r) for r in refs)

    def cite(self, ref: str) -> str:
        """The full citation for a source reference, as one line."""
        return self.ref(ref).text

    def cite_all(self, refs: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(self.cite(r) for r in refs)
