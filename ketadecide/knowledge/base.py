"""The loaded, validated knowledge base: what the engine evaluates profiles against."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from ketadecide.citations import Ref
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
from ketadecide.profile import MODALITY_IDS, ModalityId


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
    """Optional files validated by later features (troubleshooting, questions, codes)."""

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
        )

    @property
    def reviewed(self) -> dt.date:
        """The oldest review date among the records in use: the core files, and any optional
        file a feature has loaded (troubleshooting, questions, codes). A stale record shows."""
        oldest = getattr(self.extras, "oldest_review", lambda: None)()
        return min(self.core_reviewed, oldest) if oldest else self.core_reviewed

    def ref(self, ref: str) -> Ref:
        """Resolve a source reference such as ``spravato_pi §4``."""
        source_id, _, locator = ref.partition(" ")
        source = self.sources[source_id]
        return Ref(source_id, locator.strip(), source.citation, source.url)

    def refs(self, refs: tuple[str, ...]) -> tuple[Ref, ...]:
        return tuple(self.ref(r) for r in refs)

    def cite(self, ref: str) -> str:
        """The full citation for a source reference, as one line."""
        return self.ref(ref).text

    def cite_all(self, refs: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(self.cite(r) for r in refs)
