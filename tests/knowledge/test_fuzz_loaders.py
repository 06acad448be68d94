"""Fuzz targets (hypothesis) for the profile loader and the data loader.

Valid documents are mutated at the byte level (flips, cuts, splices of YAML syntax and
hostile tokens) and at the structure level (a key dropped, a value replaced with anything
JSON or YAML can hold). Whatever comes out, the loaders may only raise InputError: any
other exception would be a traceback for a user. Run longer with
``KETADECIDE_FUZZ_EXAMPLES=20000 pytest tests/knowledge/test_fuzz_loaders.py``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketadecide.compare import evaluate
from ketadecide.errors import InputError
from ketadecide.floor import load_knowledge_base, validate_data_dir
from ketadecide.profile import parse_profile
from ketadecide.safeyaml import decode, load_json, load_yaml
from tests.conftest import MINIMAL_KB
from tests.strategies import profile_records

KB = load_knowledge_base(MINIMAL_KB)
EXAMPLES = int(os.environ.get("KETADECIDE_FUZZ_EXAMPLES", "0"))


def fuzz_settings(default: int) -> Any:
    return settings(
        max_examples=EXAMPLES or default,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )


TOKENS = [
    b"&a ",
    b"*a",
    b"<<: ",
    b"!!python/object/apply:os.system [x]",
    b"!!binary ",
    b"!!set ",
    b"!!float ",
    b"!local ",
    b"? ",
    b"- ",
    b": ",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b"\n",
    b"\t",
    b"  ",
    b"#",
    b'"',
    b"'",
    b"|",
    b">",
    b"---\n",
    b"...\n",
    b"%YAML 1.1\n",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\x1b",
    b"~",
    b"null",
    b".nan",
    b"-.inf",
    b"1e400",
    b"0x1F",
    b"2026-01-01",
    b"yes",
    b"\\u202e",
    b"9" * 40,
]


@st.composite
def mutated(draw: st.DrawFn, document: bytes) -> bytes:
    """``document`` after a few random edits."""
    data = bytearray(document)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "splice", "flip"]))
        at = draw(st.integers(0, len(data)))
        if kind == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 20))]
        elif kind == "replace":
            data[at : at + 1] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "splice" and data:
            start = draw(st.integers(0, len(data) - 1))
            data[at:at] = data[start : start + draw(st.integers(1, 60))]
        elif kind == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
    return bytes(data)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | st.dates(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def restructured(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """``value`` with one part dropped or replaced by any JSON-ish value, at any depth."""
    if isinstance(value, dict) and value and depth < 8:
        key = draw(st.sampled_from(sorted(value, key=str)))
        action = draw(st.sampled_from(["recurse", "recurse", "drop", "replace", "rename"]))
        out = dict(value)
        if action == "recurse":
            out[key] = draw(restructured(value[key], depth + 1))
        elif action == "drop":
            del out[key]
        elif action == "replace":
            out[key] = draw(JSONISH)
        else:
            out[draw(st.text(min_size=1, max_size=6))] = out.pop(key)
        return out
    if isinstance(value, list) and value and depth < 8:
        i = draw(st.integers(0, len(value) - 1))
        return [*value[:i], draw(restructured(value[i], depth + 1)), *value[i + 1 :]]
    return draw(JSONISH)


def _profile_from_bytes(raw: bytes, json_file: bool) -> None:
    text = decode(raw, "fuzz.yaml")
    data = load_json(text, "fuzz.json") if json_file else load_yaml(text, "fuzz.yaml")
    profile = parse_profile(data, source="fuzz.yaml")
    evaluate(profile, KB)


@fuzz_settings(300)
@given(data=st.data(), json_file=st.booleans())
def test_profile_loader_raises_only_input_error(data: st.DataObject, json_file: bool) -> None:
    record = data.draw(profile_records(KB))
    document = yaml.safe_dump(record).encode() if not json_file else __import__("json").dumps(record).encode()
    raw = data.draw(mutated(document))
    try:
        _profile_from_bytes(raw, json_file)
    except InputError as exc:
        assert exc.problems and all(str(p).strip() for p in exc.problems)


@fuzz_settings(300)
@given(data=st.data())
def test_profile_structure_fuzz_raises_only_input_error(data: st.DataObject) -> None:
    record = data.draw(restructured(data.draw(profile_records(KB))))
    with contextlib.suppress(InputError):
        evaluate(parse_profile(record, source="fuzz"), KB)


FILES = ("sources.yaml", "modalities.yaml", "contraindications.yaml")
ORIGINAL = {name: (MINIMAL_KB / name).read_bytes() for name in FILES}
PARSED = {name: yaml.safe_load(ORIGINAL[name]) for name in FILES}


def _check_data_dir(directory: Path) -> None:
    report = validate_data_dir(directory)  # must never raise
    assert (report.knowledge_base is None) == bool(report.errors)
    try:
        load_knowledge_base(directory)
    except InputError as exc:
        assert all(p.source for p in exc.problems), "a data problem must name its file"


@fuzz_settings(60)
@given(name=st.sampled_from(FILES), data=st.data())
def test_data_loader_byte_fuzz_raises_only_input_error(name: str, data: st.DataObject, tmp_path: Path) -> None:
    directory = tmp_path / "kb"
    if not directory.exists():
        shutil.copytree(MINIMAL_KB, directory)
    for other in FILES:
        (directory / other).write_bytes(ORIGINAL[other])
    (directory / name).write_bytes(data.draw(mutated(ORIGINAL[name])))
    _check_data_dir(directory)


@fuzz_settings(100)
@given(name=st.sampled_from(FILES), data=st.data())
def test_data_loader_structure_fuzz_raises_only_input_error(name: str, data: st.DataObject, tmp_path: Path) -> None:
    directory = tmp_path / "kb"
    if not directory.exists():
        shutil.copytree(MINIMAL_KB, directory)
    for other in FILES:
        (directory / other).write_bytes(ORIGINAL[other])
    changed = data.draw(restructured(PARSED[name]))
    (directory / name).write_text(yaml.safe_dump(changed, sort_keys=False, allow_unicode=True))
    _check_data_dir(directory)
