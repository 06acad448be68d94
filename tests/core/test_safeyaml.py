"""Safe YAML/JSON reading: hostile documents give a clear InputError, never run code."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ketadecide.errors import InputError
from ketadecide.safeyaml import MAX_DEPTH, load_json, load_yaml, read_text


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        ("a: &x [1]\nb: *x\n", "aliases"),
        ("<<: {a: 1}\n", "merge keys"),
        ('!!python/object/apply:os.system ["touch /tmp/pwned"]\n', "constructor"),
        ("!!python/name:os.system\n", "constructor"),
        ("a: [1, 2\n", "invalid YAML"),
        ("? [1]\n: 2\n", "plain text"),
        ("[" * 200_000 + "]" * 200_000, "too many lines or items"),
        # Deep nesting: PyYAML (6.0.4 on) refuses some of it itself; the message is still ours.
        ("[" * 12_000 + "]" * 12_000, "nested more than"),
        ("- " * 200_000 + "x", "nested more than"),
        ("a: " + "[" * 1_500 + "]" * 1_500, "nested more than"),
    ],
)
def test_hostile_yaml_is_refused(text: str, needle: str) -> None:
    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        load_yaml(text, "evil.yaml")
    assert needle in str(info.value)
    assert len(info.value.problems) == 1
    assert "evil.yaml" in str(info.value)
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize(
    "text",
    [
        "!!set age: 0\n",
        "!!set [a]\n",
        "a: !!map [1]\n",
        "a: !!float abc\n",
        "a: !!float .\n",
        "a: !!int 12a\n",
        "a: !!int 0b\n",
        "a: !!bool maybe\n",
    ],
)
def test_explicit_tag_on_the_wrong_value_is_input_error(text: str) -> None:
    """Found by the loader fuzz target: these escaped as ValueError/TypeError/KeyError."""
    with pytest.raises(InputError) as info:
        load_yaml(text, "tagged.yaml")
    assert "tagged.yaml" in str(info.value) and "invalid YAML" in str(info.value)


def test_yaml_tag_never_executes(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(InputError):
        load_yaml(f'!!python/object/apply:os.system ["touch {marker}"]', "x.yaml")
    assert not marker.exists()


def test_depth_limit_is_exact() -> None:
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert load_yaml(ok, "ok.yaml") is not None
    deep = "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2)
    # Far below any library's own limit, so the refusal is ours and says so.
    with pytest.raises(InputError, match=f"nested more than {MAX_DEPTH} levels"):
        load_yaml(deep, "deep.yaml")
    with pytest.raises(InputError, match=f"nested more than {MAX_DEPTH} levels"):
        load_json(deep, "deep.json")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('{"a": 1, "a": 2}', "duplicate key"),
        ('{"a": NaN}', "NaN"),
        ('{"a": Infinity}', "Infinity"),
        ("{", "invalid JSON"),
    ],
)
def test_hostile_json_is_refused(text: str, needle: str) -> None:
    with pytest.raises(InputError) as info:
        load_json(text, "evil.json")
    assert needle in str(info.value)


def test_read_text_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_text(tmp_path / "missing.yaml")
    with pytest.raises(InputError, match="directory"):
        read_text(tmp_path)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\x00\x01\x02")
    with pytest.raises(InputError, match="binary"):
        read_text(binary)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("age: 4\nid: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        read_text(latin)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a" * 2048)
    with pytest.raises(InputError, match="limit"):
        read_text(big, max_bytes=1024)


def test_bom_is_accepted(tmp_path: Path) -> None:
    f = tmp_path / "bom.yaml"
    f.write_bytes("\ufeffage: 40\n".encode())
    assert load_yaml(read_text(f), str(f)) == {"age": 40}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_named_as_such_with_what_to_do(encoding: str, tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    raw = "age: 40\n".encode(encoding)
    # Windows "Unicode" files carry the byte-order mark; without it the file reads as binary.
    path.write_bytes(raw if encoding == "utf-16" else ("\ufeff" + "age: 40\n").encode(encoding))
    with pytest.raises(InputError) as caught:
        read_text(path)
    assert "UTF-16" in str(caught.value) and "UTF-8" in str(caught.value) and "binary" not in str(caught.value)
