"""Reading a data directory into a :class:`KnowledgeBase`, with errors that name the key.

All problems in all files are collected before failing, so a clinic fixing its own data
sees every mistake at once rather than one per run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ketadecide.errors import InputError, Problem, problems_from_pydantic
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.models import (
    Cited,
    ContraindicationsFile,
    ModalitiesFile,
    ScreenRule,
    Source,
    SourcesFile,
    unknown_ids,
)
from ketadecide.knowledge.sanity import check_screens, screen_warnings
from ketadecide.predicates import Predicate, iter_compares
from ketadecide.safeyaml import load_yaml, read_text

REQUIRED_FILES: dict[str, type[BaseModel]] = {
    "sources.yaml": SourcesFile,
    "modalities.yaml": ModalitiesFile,
    "contraindications.yaml": ContraindicationsFile,
}

#: Files other features read when present: file name -> "module:Model". Imported lazily
#: so that a single comparison does not pay for features it does not use.
OPTIONAL_FILES: dict[str, str] = {
    "troubleshooting.yaml": "ketadecide.troubleshoot.models:TroubleshootingFile",
    "questions.yaml": "ketadecide.consult.models:QuestionsFile",
    "codes.yaml": "ketadecide.fhir.models:CodesFile",
    "evidence.yaml": "ketadecide.decision.models:EvidenceFile",
    "values.yaml": "ketadecide.decision.models:ValuesFile",
    "decision.yaml": "ketadecide.decision.models:DecisionFile",
}

#: Ids that CONTRACT §1 says every knowledge base defines (profiles may use them).
CONTRACT_CONDITIONS: tuple[str, ...] = (
    "psychosis_history",
    "aneurysmal_vascular_disease",
    "arteriovenous_malformation",
    "intracerebral_hemorrhage_history",
    "unstable_cardiovascular_disease",
    "uncontrolled_hypertension",
    "ketamine_hypersensitivity",
    "substance_use_disorder_active",
    "ketamine_misuse_history",
    "interstitial_cystitis",
    "severe_hepatic_impairment",
    "elevated_intracranial_pressure",
    "current_mania",
)
CONTRACT_MEDICATIONS: tuple[str, ...] = (
    "benzodiazepine",
    "lamotrigine",
    "maoi",
    "psychostimulant",
    "opioid",
    "other_cns_depressant",
)

#: A record not re-checked for this long is flagged by ``data validate``.
STALE_AFTER = dt.timedelta(days=365)


def default_data_dir() -> Path:
    """The bundled data: inside the installed package, or ``data/`` of a source checkout."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "data"
    if (packaged / "modalities.yaml").is_file():
        return packaged
    return here.parent / "data"


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating a data directory."""

    knowledge_base: KnowledgeBase | None
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    rules_sha256: str | None = None
    """SHA-256 of contraindications.yaml's text (the clinical floor may trust a verified one)."""


def validate_data_dir(
    data_dir: Path | str | None = None,
    *,
    check_freshness: bool = True,
    today: dt.date | None = None,
    lazy_extras: bool = False,
) -> ValidationReport:
    """Validate a data directory and report errors and warnings without raising. The
    clinical floor is checked above this layer (:func:`ketadecide.floor.validate_data_dir`).

    With ``lazy_extras`` (how commands load data), the optional files (troubleshooting,
    questions, codes) are read and hashed now but validated when a feature first uses
    them; ``data validate`` checks everything at once.
    """
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    if not directory.is_dir():
        what = "does not exist" if not directory.exists() else "is not a directory"
        return ValidationReport(None, (Problem(f"data directory {what}", str(directory)),), ())

    texts, errors = read_data_files(directory)
    parsed: dict[str, BaseModel] = {}
    for name, cls in REQUIRED_FILES.items():
        if name in texts:
            try:
                parsed[name] = _parse(directory / name, texts[name], cls)
            except InputError as exc:
                errors.extend(exc.problems)
    if errors:
        return ValidationReport(None, tuple(errors), ())

    sources_file = parsed["sources.yaml"]
    assert isinstance(sources_file, SourcesFile)
    sources: dict[str, Source] = dict(sources_file.sources)
    errors.extend(_check_references(directory, parsed, sources))
    modalities_file = parsed["modalities.yaml"]
    contra_file = parsed["contraindications.yaml"]
    assert isinstance(modalities_file, ModalitiesFile)
    assert isinstance(contra_file, ContraindicationsFile)
    errors.extend(_check_rule_ids(directory, contra_file))
    extras = LazyExtras(directory, {n: t for n, t in texts.items() if n in OPTIONAL_FILES}, contra_file, sources)
    if not lazy_extras:
        for name in extras:
            try:
                parsed[name] = extras[name]
            except InputError as exc:
                errors.extend(exc.problems)
    if errors:
        return ValidationReport(None, tuple(errors), ())

    kb = KnowledgeBase.from_files(
        data_dir=directory,
        files=tuple(sorted(texts)),
        sha256=content_sha256(texts),
        reviewed=min(d for name in REQUIRED_FILES for _, d in reviewed_dates(parsed[name])),
        sources=sources,
        modalities_file=modalities_file,
        contraindications_file=contra_file,
        extras=extras,
    )
    rules_sha256 = hashlib.sha256(texts["contraindications.yaml"].encode("utf-8")).hexdigest()
    warnings = _warnings(directory, parsed, sources, today or dt.date.today()) if check_freshness else []
    return ValidationReport(kb, (), tuple(warnings), rules_sha256)


def read_data_files(directory: Path) -> tuple[dict[str, str], list[Problem]]:
    """The text of each data file present in ``directory`` (the required ones always tried),
    and a problem for each that cannot be read."""
    errors: list[Problem] = []
    texts: dict[str, str] = {}
    for name in (*REQUIRED_FILES, *(n for n in OPTIONAL_FILES if (directory / n).exists())):
        try:
            texts[name] = read_text(directory / name, regular_only=True)
        except InputError as exc:
            errors.extend(exc.problems)
    return texts, errors


def content_sha256(texts: Mapping[str, str]) -> str:
    """SHA-256 over the data files' names and bytes: the knowledge base's ``sha256``."""
    hasher = hashlib.sha256()
    for name in sorted(texts):
        hasher.update(name.encode() + b"\0" + hashlib.sha256(texts[name].encode("utf-8")).digest())
    return hasher.hexdigest()


def _parse(path: Path, text: str, model: type[BaseModel] | str) -> BaseModel:
    """Parse and validate one data file; :class:`InputError` names the file and key path."""
    raw = load_yaml(text, str(path))
    try:
        return _resolve(model).model_validate(raw)
    except ValidationError as exc:
        raise InputError(problems_from_pydantic(exc.errors(), source=str(path))) from None  # type: ignore[arg-type]


class LazyExtras(Mapping[str, Any]):
    """The optional data files, each validated in full the first time it is needed.

    Their bytes are already in the knowledge base's hash. Once a feature uses a file
    (``extras[name]``), its records count toward the knowledge base's oldest review date
    (the records *used*); :meth:`validated` checks a file without using it.
    """

    def __init__(
        self, directory: Path, texts: dict[str, str], contra: ContraindicationsFile, sources: dict[str, Source]
    ) -> None:
        self._directory = directory
        self._texts = texts
        self._contra = contra
        self._sources = sources
        self._validated: dict[str, BaseModel] = {}
        self._used: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        model = self.validated(name)
        self._used.add(name)
        return model

    def validated(self, name: str) -> BaseModel:
        """The file ``name`` validated (once), without counting it as used."""
        if name not in self._validated:
            if name not in self._texts:
                raise KeyError(name)
            self._validated[name] = self._load(name)
        return self._validated[name]

    def _load(self, name: str) -> BaseModel:
        path = self._directory / name
        model = _parse(path, self._texts[name], OPTIONAL_FILES[name])
        problems = _check_references(self._directory, {name: model}, self._sources)
        # Optional files whose ids refer to contraindications.yaml check them themselves
        # (e.g. codes.yaml); they name their own file and key.
        cross_check = getattr(model, "cross_check", None)
        if callable(cross_check):
            problems.extend(cross_check(self._contra, str(path)))
        if problems:
            raise InputError(problems)
        return model

    def oldest_of(self, name: str) -> dt.date | None:
        """The oldest review date among the records of the validated file ``name``."""
        dates = [d for _, d in reviewed_dates(self._validated[name])]
        return min(dates) if dates else None

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def oldest_review(self) -> dt.date | None:
        """The oldest review date among the files used so far, if any."""
        dates = [d for d in map(self.oldest_of, self._used) if d is not None]
        return min(dates) if dates else None


def _resolve(model: type[BaseModel] | str) -> type[BaseModel]:
    if isinstance(model, str):
        module, _, attr = model.partition(":")
        resolved = getattr(importlib.import_module(module), attr)
        assert isinstance(resolved, type) and issubclass(resolved, BaseModel)
        return resolved
    return model


def _walk(model: BaseModel, path: str = "") -> Iterator[tuple[str, BaseModel]]:
    """Every pydantic model inside ``model`` with its dotted key path."""
    yield path, model
    for name in type(model).model_fields:
        yield from _walk_value(getattr(model, name), f"{path}.{name}" if path else name)


def _walk_value(value: Any, path: str) -> Iterator[tuple[str, BaseModel]]:
    if isinstance(value, BaseModel):
        yield from _walk(value, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk_value(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _walk_value(item, f"{path}[{i}]")


def reviewed_dates(model: BaseModel) -> Iterator[tuple[str, dt.date]]:
    for path, item in _walk(model):
        if isinstance(item, Cited | Source):
            yield path, item.reviewed


def _check_references(directory: Path, parsed: dict[str, BaseModel], sources: dict[str, Source]) -> list[Problem]:
    problems: list[Problem] = []
    for name, model in parsed.items():
        for path, item in _walk(model):
            if isinstance(item, Cited):
                for i, ref in enumerate(item.sources):
                    source_id = ref.partition(" ")[0]
                    if source_id not in sources:
                        problems.append(
                            Problem(
                                f"source '{source_id}' is not defined in sources.yaml",
                                str(directory / name),
                                f"{path}.sources[{i}]",
                            )
                        )
    return problems


def _check_rule_ids(directory: Path, contra: ContraindicationsFile) -> list[Problem]:
    """Rule ids become finding ids, so they must be unique across the three kinds."""
    problems: list[Problem] = []
    file = str(directory / "contraindications.yaml")
    seen: dict[str, str] = {}
    for kind in ("conditions", "medications", "screens"):
        for rule_id in getattr(contra, kind):
            if rule_id in seen:
                problems.append(Problem(f"id '{rule_id}' is also used in {seen[rule_id]}", file, f"{kind}.{rule_id}"))
            seen[rule_id] = kind
    for kind, required in (("conditions", CONTRACT_CONDITIONS), ("medications", CONTRACT_MEDICATIONS)):
        for rule_id in required:
            if rule_id not in getattr(contra, kind):
                problems.append(
                    Problem(f"'{rule_id}' is required by the contract but not defined", file, f"{kind}.{rule_id}")
                )
    for rule_id, rule in contra.screens.items():
        problems.extend(_check_screen(file, rule_id, rule, contra))
    for rule_id, conflict in contra.conflicts.items():
        if conflict.when is not None:
            problems.extend(_check_predicate_ids(file, f"conflicts.{rule_id}.when", conflict.when, contra))
    if not problems:
        # Thresholds that can never be true, rules that can never fire, swapped BP numbers.
        problems.extend(check_screens(file, contra)[0])
    return problems


def _check_screen(file: str, rule_id: str, rule: ScreenRule, contra: ContraindicationsFile) -> list[Problem]:
    return _check_predicate_ids(file, f"screens.{rule_id}.when", rule.when, contra)


def _check_predicate_ids(file: str, where: str, when: Predicate, contra: ContraindicationsFile) -> list[Problem]:
    known = {"conditions": contra.conditions, "medications": contra.medications}
    referenced = ((field, [ident]) for compare in iter_compares(when) for field, ident in compare.ids_referenced())
    return [
        Problem(f"'{ident}' is not a {field[:-1]} id defined in this file", file, where)
        for field, _, ident in unknown_ids(referenced, known)
    ]


def _warnings(
    directory: Path, parsed: dict[str, BaseModel], sources: dict[str, Source], today: dt.date
) -> list[Problem]:
    warnings: list[Problem] = []
    used: set[str] = set()
    for name, model in parsed.items():
        for path, item in _walk(model):
            if isinstance(item, Cited):
                used.update(ref.partition(" ")[0] for ref in item.sources)
            if isinstance(item, Cited | Source):
                if item.reviewed > today:
                    warnings.append(
                        Problem(
                            f"reviewed date {item.reviewed} is in the future", str(directory / name), f"{path}.reviewed"
                        )
                    )
                elif today - item.reviewed > STALE_AFTER:
                    warnings.append(
                        Problem(
                            f"last reviewed {item.reviewed}, more than 12 months ago: re-check it",
                            str(directory / name),
                            f"{path}.reviewed",
                        )
                    )
    for source_id in sorted(set(sources) - used):
        warnings.append(Problem("source is never cited", str(directory / "sources.yaml"), f"sources.{source_id}"))
    contra = parsed["contraindications.yaml"]
    assert isinstance(contra, ContraindicationsFile)
    contra_name = str(directory / "contraindications.yaml")
    warnings.extend(check_screens(contra_name, contra)[1])
    warnings.extend(screen_warnings(contra_name, contra))
    return warnings
