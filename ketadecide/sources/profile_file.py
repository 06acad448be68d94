"""Reading one profile from a YAML or JSON file, or from standard input."""

from __future__ import annotations

import sys
from pathlib import Path

from ketadecide.errors import InputError, Problem
from ketadecide.profile import PROFILE_FIELDS, Profile, parse_profile, typed_whole_numbers
from ketadecide.safeyaml import MAX_DOCUMENT_BYTES, decode, load_json, load_yaml, read_text

#: A profile is a few hundred bytes; anything over this is not a profile.
MAX_PROFILE_BYTES = 256 * 1024


def source_name(location: str) -> str:
    """How errors name a profile location (``-`` is standard input)."""
    return "<stdin>" if location == "-" else location


def read_profile_data(location: str) -> tuple[object, str]:
    """The raw mapping in a profile file (``-`` is stdin) and the name to report it by."""
    data, name = _read(location)
    _looks_like_a_profile(data, name)
    return data, name


def _looks_like_a_profile(data: object, name: str) -> None:
    """Refuse, without quoting it, a document none of whose keys is a profile field: it is
    some other file (``--profile /etc/shadow``), and its keys are its content."""
    if not isinstance(data, dict) or not data:
        return
    if any(isinstance(k, str) and (k in PROFILE_FIELDS or k.startswith("values_")) for k in data):
        return
    raise InputError(
        Problem(
            f"not a ketadecide profile: none of its {len(data)} key(s) is a profile field "
            "(expected profile fields, e.g. 'age: 45'; its content is not shown)",
            name,
        )
    )


#: Files of many profiles (one per row), by extension: for ``ketadecide batch``.
COHORT_KINDS = {".csv": "CSV", ".tsv": "TSV", ".jsonl": "JSONL", ".ndjson": "JSONL", ".parquet": "Parquet"}
#: Files that are no profile at all, with what to do instead.
OTHER_KINDS = {
    ".xlsx": "an Excel workbook: save the sheet as CSV and use `ketadecide batch FILE.csv`",
    ".xls": "an Excel workbook: save the sheet as CSV and use `ketadecide batch FILE.csv`",
    ".pdf": "a PDF: a profile is a YAML or JSON file of field: value lines (see `ketadecide ids`)",
    ".html": "a web page (a handout?): a profile is a YAML or JSON file of field: value lines",
}


def _wrong_kind(path: Path) -> str | None:
    """What a file or folder given as ``--profile`` is instead, when it is clearly not one."""
    if path.is_dir():
        return "is a folder: give one profile file (YAML or JSON)"
    suffix = path.suffix.lower()
    if suffix in COHORT_KINDS:
        return (
            f"this looks like a cohort {COHORT_KINDS[suffix]} file (one profile per row): "
            "use `ketadecide batch FILE`; --profile takes one profile (YAML or JSON)"
        )
    if suffix in OTHER_KINDS:
        return f"this looks like {OTHER_KINDS[suffix]}"
    return None


def _read(location: str) -> tuple[object, str]:
    if location != "-":
        wrong = _wrong_kind(Path(location))
        if wrong is not None:
            raise InputError(Problem(wrong, location, "--profile"))
    if location == "-":
        name = source_name(location)
        raw = sys.stdin.buffer.read(MAX_PROFILE_BYTES + 1)
        text = decode(raw, name, max_bytes=MAX_PROFILE_BYTES)
        # JSON is read as YAML too (it is a subset), with the same duplicate-key rules.
        return load_yaml(text, name), name
    path = Path(location)
    text = read_text(path, max_bytes=min(MAX_PROFILE_BYTES, MAX_DOCUMENT_BYTES))
    if path.suffix.lower() == ".json":
        # JSON numbers are typed: 40.0 is the integer 40 there, as in a JSONL row (CONTRACT §1);
        # YAML's 40.0 is text, refused like the CSV cell "40.0".
        data = load_json(text, location)
        return (typed_whole_numbers(data) if isinstance(data, dict) else data), location
    return load_yaml(text, location), location


def load_profile(location: str) -> Profile:
    """Read and validate one profile; :class:`InputError` names the file and field."""
    data, name = read_profile_data(location)
    return parse_profile(data, source=name)
