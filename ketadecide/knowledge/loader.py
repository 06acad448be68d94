"""Reading a data directory into a :class:`KnowledgeBase`, with errors that name the key.

All problems in all files are collected before failing, so a clinic fixing its own data
sees every mistake at once rather than one per run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from ketadecide.errors import InputError, Problem, problems_from_pydantic
from ketadecide.knowledge import files
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.models import (
    Cited,
    ContraindicationsFile,
    LocalCrisisLine,
    ModalitiesFile,
    ScreenRule,
    Source,
    SourcesFile,
    unknown_ids,
)
from ketadecide.knowledge.overlay import OVERLAY_FILE, locked_fields
from ketadecide.knowledge.reviewed import reviewed_dates
from ketadecide.knowledge.reviewed import walk as _walk
from ketadecide.knowledge.sanity import check_screens, screen_warnings
from ketadecide.predicates import Predicate, iter_compares
from ketadecide.safeyaml import load_yaml, read_text

if TYPE_CHECKING:
    from ketadecide.knowledge.files.questions import QuestionsFile

#: The file names of :data:`ketadecide.knowledge.files.REQUIRED` and ``OPTIONAL`` (the specs).
REQUIRED_FILES: tuple[str, ...] = tuple(f.name for f in files.REQUIRED)
OPTIONAL_FILES: tuple[str, ...] = tuple(f.name for f in files.OPTIONAL)

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


def validate_files(
    data_dir: Path | str | None = None,
    *,
    check_freshness: bool = True,
    today: dt.date | None = None,
    lazy_extras: bool = False,
) -> ValidationReport:
    """Validate a data directory's files and report errors and warnings without raising.
    The clinical floor is checked above this layer: :func:`ketadecide.floor.validate_data_dir`
    is this plus the floor (what ``data validate`` runs).

    The bundled directory is the label floor itself. Any other directory is a clinic's
    overlay on it (:mod:`ketadecide.knowledge.overlay`): each of its files is merged into
    the bundled one, and a key that would loosen is an error naming the clinic's file and key.

    With ``lazy_extras`` (how commands load data), the optional files (troubleshooting,
    questions, codes) are read, hashed and (for an overlay) merged now but validated when a
    feature first uses them; ``data validate`` checks everything at once.
    """
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    if not directory.is_dir():
        what = "does not exist" if not directory.exists() else "is not a directory"
        return ValidationReport(None, (Problem(f"data directory {what}", str(directory)),), ())

    data, errors = read_layout(directory)
    if errors:
        return ValidationReport(None, tuple(errors), ())
    texts = data.texts
    extras = LazyExtras(directory, optional_texts(texts), None, {}, **data.extras_args())
    parsed: dict[str, BaseModel] = {}
    for spec in files.REQUIRED:
        if spec.name in texts:
            try:
                # A merged file that fails names the clinic's file: the bundled one alone is valid.
                path = directory / spec.name if data.clinic and spec.name in data.clinic else extras.path_of(spec.name)
                parsed[spec.name] = _validate_raw(path, data.raw(spec.name), spec.model())
            except InputError as exc:
                errors.extend(exc.problems)
    if data.clinic is not None:
        # Every clinic file is merged now, so a loosening key is refused by every command,
        # not only by the one that uses the file.
        for name in extras:
            try:
                extras.raw(name)
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
    extras.bind(contra_file, sources)
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
        sha256=data.sha256(),
        reviewed=min(d for name in REQUIRED_FILES for _, d in reviewed_dates(parsed[name])),
        sources=sources,
        modalities_file=modalities_file,
        contraindications_file=contra_file,
        extras=extras,
        overlay=data.overlay_info(),
        synthetic=data.synthetic,
    )
    warnings = _warnings(directory, parsed, sources, today or dt.date.today()) if check_freshness else []
    return ValidationReport(kb, (), (*data.warnings, *warnings), data.rules_sha256())


@dataclass
class DataLayout:
    """The texts a data directory's knowledge base is built from, before any parsing."""

    directory: Path
    texts: dict[str, str]
    """The files validated: the bundled ones for an overlay, else the directory's own."""
    clinic: dict[str, str] | None = None
    """An overlay's own files (``overlay.yaml`` included); ``None`` when not an overlay."""
    defaults: dict[str, str] = dataclasses.field(default_factory=dict)
    """A standalone directory: bundled files used in place of absent ones."""
    warnings: list[Problem] = dataclasses.field(default_factory=list)
    synthetic: bool = False
    """Declared ``standalone: synthetic``: test data read on its own, never for patients."""
    _raws: dict[str, Any] = dataclasses.field(default_factory=dict)

    def key(self) -> str:
        """What the cache keys an entry by: every byte the knowledge base is built from."""
        info = self.overlay_info()
        return cache_key(self.sha256(), info[0] if info else None)

    def sha256(self) -> str:
        return content_sha256(self.texts, self.defaults)

    def overlay_info(self) -> tuple[str, tuple[str, ...]] | None:
        if self.clinic is None:
            return None
        return content_sha256(self.clinic), tuple(sorted(self.clinic))

    def rules_sha256(self) -> str | None:
        """The text of contraindications.yaml in use, when it is one file's (not a merge)."""
        if self.clinic is not None and files.CONTRAINDICATIONS.name in self.clinic:
            return None
        return hashlib.sha256(self.texts[files.CONTRAINDICATIONS.name].encode("utf-8")).hexdigest()

    def extras_args(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "clinic": self.clinic, "overlay_mode": self.clinic is not None}

    def raw(self, name: str) -> Any:
        """A required file, parsed (and for an overlay, merged); raises :class:`InputError`."""
        if name not in self._raws:
            extras = LazyExtras(self.directory, {name: self.texts[name]}, None, {}, **self.extras_args())
            self._raws[name] = extras.raw(name)
        return self._raws[name]


def cache_key(sha256: str, overlay_sha256: str | None) -> str:
    """The bytes a knowledge base is built from, as the cache's key material."""
    return f"{sha256}:{overlay_sha256 or '-'}:{int(synthetic_allowed())}"


def synthetic_allowed() -> bool:
    """Whether a directory may declare itself standalone synthetic test data (the test suite
    sets ``KETADECIDE_SYNTHETIC_DATA=1``; never for patients)."""
    return os.environ.get("KETADECIDE_SYNTHETIC_DATA", "").strip() == "1"


def read_layout(directory: Path) -> tuple[DataLayout, list[Problem]]:
    """Which files a directory's knowledge base is built from: the bundled data alone, the
    bundled data with the directory's files as an overlay, or (synthetic test data only)
    the directory alone. Reads files; parses only ``overlay.yaml``."""
    bundled = default_data_dir()
    if _same_dir(directory, bundled):
        texts, errors = read_data_files(directory)
        return DataLayout(directory, texts), errors
    marker = directory / OVERLAY_FILE
    declared: dict[str, Any] = {}
    if marker.exists():
        try:
            declared = _overlay_file(marker)
        except InputError as exc:
            return DataLayout(directory, {}), list(exc.problems)
    if declared.get("standalone"):
        if not synthetic_allowed():
            problem = Problem(
                "a standalone knowledge base is synthetic test data, loaded only with "
                "KETADECIDE_SYNTHETIC_DATA=1 (never for patients); a clinic's data is an overlay: "
                "give 'base: <bundled version>' instead",
                str(marker),
                "standalone",
            )
            return DataLayout(directory, {}), [problem]
        texts, errors = read_data_files(directory)
        layout = DataLayout(directory, texts, defaults=bundled_defaults(directory, texts), synthetic=True)
        return layout, errors
    texts, errors = read_data_files(bundled)
    clinic: dict[str, str] = {}
    for name in (*REQUIRED_FILES, *OPTIONAL_FILES, OVERLAY_FILE):
        if (directory / name).exists():
            try:
                clinic[name] = read_text(directory / name, regular_only=True)
            except InputError as exc:
                errors.extend(exc.problems)
    if not clinic:
        problem = Problem(
            "not a data directory: it has no overlay.yaml and none of the data files "
            f"({', '.join((*REQUIRED_FILES, *OPTIONAL_FILES))})",
            str(directory),
        )
        return DataLayout(directory, texts), [*errors, problem]
    layout = DataLayout(directory, texts, clinic=clinic)
    from ketadecide._version import __version__

    if not declared:
        layout.warnings.append(
            Problem(
                "no overlay.yaml: this directory is read as an overlay on the bundled data "
                "(only what adds or tightens is kept); run `ketadecide data overlay` to write a minimal one",
                str(marker),
            )
        )
    elif declared.get("base") != __version__:
        layout.warnings.append(
            Problem(
                f"written against bundled data {declared.get('base')}, this is {__version__}: "
                "re-check what the overlay adds",
                str(marker),
                "base",
            )
        )
    return layout, errors


def _overlay_file(path: Path) -> dict[str, Any]:
    raw = load_yaml(read_text(path, regular_only=True), str(path))
    allowed = {"base", "standalone"}
    if not isinstance(raw, dict) or set(raw) - allowed or len(raw) != 1:
        raise InputError(
            Problem("overlay.yaml holds exactly one of 'base: <bundled version>' or 'standalone: synthetic'", str(path))
        )
    if "standalone" in raw and raw["standalone"] != "synthetic":
        raise InputError(Problem("the only standalone data is 'synthetic' (test data)", str(path), "standalone"))
    if "base" in raw and not (isinstance(raw["base"], str) and raw["base"].count(".") == 2):
        raise InputError(Problem("base is the bundled release, e.g. '0.8.0' (quoted)", str(path), "base"))
    return raw


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


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


def bundled_defaults(directory: Path, texts: Mapping[str, str]) -> dict[str, str]:
    """The bundled text of each file a data directory lacks but uses the bundled one of
    (:attr:`DataFile.bundled_default`, e.g. questions.yaml). Read here, so their bytes are
    in the knowledge base's hash and its cache entry; an unreadable one is simply absent."""
    bundled = default_data_dir()
    out: dict[str, str] = {}
    if directory.resolve() == bundled.resolve():
        return out
    for spec in files.OPTIONAL:
        if spec.bundled_default and spec.name not in texts:
            try:
                out[spec.name] = read_text(bundled / spec.name, regular_only=True)
            except InputError:  # a broken installation: the feature reports it where it is used
                continue
    return out


def optional_texts(texts: Mapping[str, str]) -> dict[str, str]:
    return {n: t for n, t in texts.items() if n in OPTIONAL_FILES}


def content_sha256(texts: Mapping[str, str], defaults: Mapping[str, str] | None = None) -> str:
    """SHA-256 over the data files' names and bytes: the knowledge base's ``sha256``. Bundled
    files used in place of absent ones count too, under a name no data file can have."""
    hasher = hashlib.sha256()
    for name in sorted(texts):
        hasher.update(name.encode() + b"\0" + hashlib.sha256(texts[name].encode("utf-8")).digest())
    for name, text in sorted((defaults or {}).items()):
        hasher.update(f"bundled/{name}".encode() + b"\0" + hashlib.sha256(text.encode("utf-8")).digest())
    return hasher.hexdigest()


@functools.cache
def bundled_questions() -> QuestionsFile:
    """The bundled questions.yaml, validated with its sources and floor (once per process):
    the PHQ-9 bands a FHIR mapping uses when it is given no knowledge base."""
    report = validate_files(default_data_dir(), check_freshness=False, lazy_extras=True)
    if report.knowledge_base is None:
        raise InputError(report.errors)
    return report.knowledge_base.questions()


@functools.cache
def bundled_locked_fields() -> frozenset[str]:
    """The profile fields whose questions' wording an overlay may not change (worked out
    from the bundled rules, indications, coverage, completeness and crisis records)."""
    bundled = default_data_dir()
    raw = {}
    for spec in (files.CONTRAINDICATIONS, files.MODALITIES, files.TROUBLESHOOTING):
        path = bundled / spec.name
        if path.exists():
            raw[spec.name] = load_yaml(read_text(path, regular_only=True), str(path))
    return locked_fields(raw)


@functools.cache
def bundled_sources() -> dict[str, Source]:
    """The bundled sources.yaml: what a bundled file used in place of a clinic's cites."""
    path = default_data_dir() / files.SOURCES.name
    model = _parse(path, read_text(path, regular_only=True), SourcesFile)
    assert isinstance(model, SourcesFile)
    return dict(model.sources)


def _parse(path: Path, text: str, model: type[BaseModel]) -> BaseModel:
    """Parse and validate one data file; :class:`InputError` names the file and key path."""
    return _validate_raw(path, load_yaml(text, str(path)), model)


def _validate_raw(path: Path, raw: Any, model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InputError(problems_from_pydantic(exc.errors(), source=str(path))) from None  # type: ignore[arg-type]


class LazyExtras(Mapping[str, Any]):
    """The optional data files, each validated in full the first time it is needed.

    Their bytes are already in the knowledge base's hash. Once a feature uses a file
    (:meth:`file`), its records count toward the knowledge base's oldest review date (the
    records *used*); :meth:`validated` checks a file without using it. Keyed by file name
    underneath; callers go through :class:`KnowledgeBase`'s typed accessors.
    """

    def __init__(
        self,
        directory: Path,
        texts: dict[str, str],
        contra: ContraindicationsFile | None,
        sources: dict[str, Source],
        *,
        defaults: Mapping[str, str] | None = None,
        clinic: Mapping[str, str] | None = None,
        overlay_mode: bool = False,
    ) -> None:
        self._directory = directory
        self._defaults = dict(defaults or {})
        self._texts = {**self._defaults, **texts}
        # Overlay mode: ``texts`` are the bundled files, ``clinic`` the clinic's own, merged
        # into them (parsed, merged and checked once: :meth:`raw`).
        self._clinic = {n: t for n, t in (clinic or {}).items() if n in self._texts}
        self._overlay_mode = overlay_mode
        self._raws: dict[str, Any] = {}
        self._contra = contra
        self._sources = sources
        self._validated: dict[str, BaseModel] = {}
        self._used: set[str] = set()
        self._newest: dict[str, dt.date | None] = {}

    def file(self, spec: files.DataFile[files.M_co]) -> files.M_co | None:
        """The file of ``spec`` validated and counted as used, or ``None`` when absent."""
        if spec.name not in self._texts:
            return None
        # A bundled file used in place of an absent one is not the clinic's record: it does
        # not count toward the knowledge base's review date (as before it was in the hash).
        model = self.validated(spec.name) if spec.name in self._defaults else self[spec.name]
        assert isinstance(model, spec.model())
        return model

    def has(self, spec: files.DataFile[BaseModel]) -> bool:
        return spec.name in self._texts

    def is_bundled_default(self, name: str) -> bool:
        """Whether ``name`` is the bundled file used because the data directory has none."""
        return name in self._defaults

    def path_of(self, name: str) -> Path:
        """The file problems with ``name`` are named in: the clinic's when it has one."""
        if name in self._defaults or (self._overlay and name not in self._clinic):
            return default_data_dir() / name
        return self._directory / name

    @property
    def _overlay(self) -> bool:
        return self._overlay_mode

    def bind(self, contra: ContraindicationsFile, sources: dict[str, Source]) -> None:
        """The merged core files, once validated: what the optional files are checked against."""
        self._contra = contra
        self._sources = sources

    def raw(self, name: str) -> Any:
        """The parsed file ``name``: the bundled one with the clinic's merged in (overlay
        mode); :class:`InputError` lists every key the clinic's file would loosen."""
        if name not in self._raws:
            bundled_path = (default_data_dir() if self._overlay or name in self._defaults else self._directory) / name
            raw = load_yaml(self._texts[name], str(bundled_path))
            if name in self._clinic:
                from ketadecide.knowledge.overlay import merge_file

                clinic_path = str(self._directory / name)
                locked = bundled_locked_fields() if name == files.QUESTIONS.name else frozenset()
                raw, problems = merge_file(name, clinic_path, raw, load_yaml(self._clinic[name], clinic_path), locked)
                if problems:
                    raise InputError(problems)
            self._raws[name] = raw
        return self._raws[name]

    def sources_of(self, name: str) -> dict[str, Source]:
        """The sources the file ``name`` cites: the bundled ones for a bundled default."""
        return bundled_sources() if name in self._defaults else self._sources

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
        path = self.path_of(name)
        model = _validate_raw(path, self.raw(name), files.BY_NAME[name].model())
        problems = _check_references(path.parent, {name: model}, self.sources_of(name))
        # Optional files whose ids refer to contraindications.yaml check them themselves
        # (e.g. codes.yaml); they name their own file and key.
        cross_check = getattr(model, "cross_check", None)
        if callable(cross_check) and self._contra is not None:
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

    def newest_of(self, name: str) -> dt.date | None:
        """The newest review date among the records of the validated file ``name`` (walked
        once: a validated file does not change, and a report asks for every profile)."""
        if name not in self._newest:
            dates = [d for _, d in reviewed_dates(self._validated[name])]
            self._newest[name] = max(dates) if dates else None
        return self._newest[name]

    def newest_review(self) -> dt.date | None:
        """The newest review date among the files used so far, if any."""
        dates = [d for d in map(self.newest_of, self._used) if d is not None]
        return max(dates) if dates else None


def _check_references(directory: Path, parsed: dict[str, BaseModel], sources: dict[str, Source]) -> list[Problem]:
    problems: list[Problem] = []
    for name, model in parsed.items():
        for path, item in _walk(model):
            if isinstance(item, LocalCrisisLine) and item.source.partition(" ")[0] not in sources:
                problems.append(
                    Problem("source is not defined in sources.yaml", str(directory / name), f"{path}.source")
                )
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
            if isinstance(item, LocalCrisisLine):
                used.add(item.source.partition(" ")[0])
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
