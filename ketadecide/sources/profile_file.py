"""Reading one profile from a YAML or JSON file, or from standard input."""

from __future__ import annotations

import sys
from pathlib import Path

from ketadecide.errors import InputError, Problem
from ketadecide.profile import PROFILE_FIELDS, Profile, parse_profile
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


def _read(location: str) -> tuple[object, str]:
    if location == "-":
        name = source_name(location)
        raw = sys.stdin.buffer.read(MAX_PROFILE_BYTES + 1)
        text = decode(raw, name, max_bytes=MAX_PROFILE_BYTES)
        # JSON is read as YAML too (it is a subset), with the same duplicate-key rules.
        return load_yaml(text, name), name
    path = Path(location)
    text = read_text(path, max_bytes=min(MAX_PROFILE_BYTES, MAX_DOCUMENT_BYTES))
    if path.suffix.lower() == ".json":
        return load_json(text, location), location
    return load_yaml(text, location), location


def load_profile(location: str) -> Profile:
    """Read and validate one profile; :class:`InputError` names the file and field."""
    data, name = read_profile_data(location)
    return parse_profile(data, source=name)
