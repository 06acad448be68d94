"""The Spanish catalog: ``lang/es.yaml`` in a data directory (else the bundled one).

Two parts, both beside the English they translate:

- ``texts``: each patient text of the data files by its key (``crisis.patient``,
  ``questions.sections.safety.questions.suicidality.patient``), with the English it was
  translated from (``en``) and the Spanish (``es``). A twin whose ``en`` no longer matches
  the data's English is *stale*: the English shows instead (or, for a safety text, the
  command refuses), so a changed English text never keeps an old translation.
- ``interface``: the words the program itself prints for a patient (headings, status
  words, consult prompts), English to Spanish.

Validated when Spanish is first asked for; every problem names the file and the key.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ketadecide.errors import InputError, Problem, problems_from_pydantic
from ketadecide.safeyaml import load_yaml, read_text

CATALOG_NAME = "lang/es.yaml"

_Text = Annotated[str, Field(min_length=1, max_length=4000)]


class Twin(BaseModel):
    """One data text: the English it translates and the Spanish."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: _Text
    es: _Text


class CatalogFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    language: str = Field(pattern=r"^es$")
    texts: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.\-]*$", max_length=300)], Twin] = {}
    interface: dict[_Text, _Text] = {}


def norm(text: str) -> str:
    """Whitespace made single (YAML folding differs between files, never the words)."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Catalog:
    path: Path
    texts: dict[str, Twin]
    interface: dict[str, str]
    under: dict[str, Twin] = field(default_factory=dict)
    """A clinic's catalog only: the bundled twins beneath it (a clinic's ``lang/es.yaml`` is an
    overlay like its data files: it holds the Spanish of what the clinic adds or changes)."""

    def twin(self, key: str, english: str) -> Twin | None:
        """The Spanish twin of ``key`` whose English is ``english`` (the clinic's first, then
        the bundled one), else the clinic's (stale) or bundled twin, else ``None``."""
        found = [t for t in (self.texts.get(key), self.under.get(key)) if t is not None]
        current = [t for t in found if norm(t.en) == norm(english)]
        return current[0] if current else found[0] if found else None

    def keys(self) -> set[str]:
        return {*self.texts, *self.under}


#: Bundled Spanish a clinic may replace: our own, unvalidated translation of a published
#: instrument (the SURE test), so a clinic can put a validated Spanish version in its place.
REPLACEABLE = re.compile(r"decision\.sure\.items\.\d+\.question|decision\.sure\.credit")


def catalog_path(data_dir: Path) -> Path:
    return data_dir / CATALOG_NAME


def bundled_path() -> Path:
    """The bundled catalog: inside the installed package, or in ``data/`` of a source
    checkout (the same two places the knowledge loader looks; this room sits below it)."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "data"
    return catalog_path(packaged if (packaged / "modalities.yaml").is_file() else here.parent / "data")


@functools.cache
def _read(path: Path, stamp: tuple[int, int]) -> Catalog:
    raw = load_yaml(read_text(path, regular_only=True), str(path))
    try:
        model = CatalogFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(problems_from_pydantic(exc.errors(), source=str(path))) from None  # type: ignore[arg-type]
    problems = [
        Problem(f"Spanish text keeps a placeholder the English lacks or drops one: {sorted(a ^ b)}", str(path), key)
        for key, a, b in (
            (k, set(_PLACEHOLDER.findall(en)), set(_PLACEHOLDER.findall(es))) for k, (en, es) in _pairs(model)
        )
        if a != b
    ]
    if problems:
        raise InputError(problems)
    return Catalog(path, dict(model.texts), {norm(k): norm(v) for k, v in model.interface.items()})


_PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")


def _pairs(model: CatalogFile) -> list[tuple[str, tuple[str, str]]]:
    out = [(k, (t.en, t.es)) for k, t in model.texts.items()]
    out += [(f"interface '{k[:40]}'", (k, v)) for k, v in model.interface.items()]
    return out


def load(path: Path) -> Catalog:
    """The catalog at ``path`` (validated once per file version)."""
    try:
        st = path.stat()
    except OSError:
        raise InputError(Problem("no Spanish catalog (lang/es.yaml) here", str(path))) from None
    return _read(path, (st.st_mtime_ns, st.st_size))


def for_data_dir(data_dir: Path) -> Catalog:
    """The data directory's own catalog over the bundled one, else the bundled one.

    A clinic's catalog need hold only the Spanish of what the clinic adds or changes (the
    bundled twins are underneath). It may give the Spanish of its own texts, never another Spanish for a
    text whose English is the bundled one (README "Your clinic's own data": a softened
    Spanish crisis message is refused, naming file and key). A twin it leaves out is
    missing, as before (a safety text without one is refused where Spanish is asked)."""
    own, bundled = catalog_path(data_dir), bundled_path()
    if not own.exists():
        return load(bundled)
    if not bundled.exists() or own.resolve() == bundled.resolve():
        return load(own)
    mine, base = load(own), load(bundled)
    problems = [
        Problem(
            "clinical floor: a clinic's catalog may add the Spanish of its own texts, not change the "
            f"bundled Spanish of a bundled text (bundled: {base.texts[key].es[:50]}...)",
            str(own),
            key,
        )
        for key, twin in mine.texts.items()
        if key in base.texts
        and norm(twin.en) == norm(base.texts[key].en)
        and norm(twin.es) != norm(base.texts[key].es)
        and not REPLACEABLE.fullmatch(key)
    ]
    if problems:
        raise InputError(problems)
    return Catalog(mine.path, mine.texts, mine.interface, under=base.texts)


def interface() -> dict[str, str]:
    """The interface words (always the bundled catalog's: they translate the program)."""
    return load(bundled_path()).interface


@functools.cache
def _templates(path: Path, stamp: tuple[int, int]) -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for english, spanish in load(path).interface.items():
        names = _PLACEHOLDER.findall(english)
        if not names or len(set(names)) != len(names):
            continue
        # A value never holds ";" (it ends a message's part): "...; did you mean" stays unmatched.
        parts = _PLACEHOLDER.split(english)
        regex = "".join(
            re.escape(part) + (f"(?P<{name[1:-1]}>[^;]+?)" if i < len(names) else "")
            for i, (part, name) in enumerate(zip(parts, [*names, ""], strict=True))
        )
        out.append((re.compile(regex), spanish))
    return tuple(out)


def error_templates() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The interface texts with values in them, as patterns (an error message to Spanish)."""
    path = bundled_path()
    st = path.stat()
    return _templates(path, (st.st_mtime_ns, st.st_size))
