"""Files that are not what they claim: YAML 1.1 integers, other files' content in messages,
FIFOs where a data file should be (issue 13)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.errors import InputError
from ketadecide.floor import load_knowledge_base
from ketadecide.safeyaml import load_yaml
from tests.conftest import DATA_DIR, ROOT

DATA = ["--data-dir", str(DATA_DIR)]


@pytest.mark.parametrize("text", ["065", "0150", "0x41", "1_0", "1:05", "0o17", "+5", "0b101", "-0", "1_000"])
def test_yaml_integers_are_decimal_digits_only(text: str, tmp_path: Path) -> None:
    assert load_yaml(f"a: {text}\n", "x.yaml") == {"a": text}  # text, not a number
    profile = tmp_path / "p.yaml"
    profile.write_text(f"age: {text}\nsuicidality: none\n")
    res = CliRunner().invoke(app, ["compare", *DATA, "-p", str(profile)])
    assert res.exit_code == 2
    assert f"{profile}, field 'age':" in res.stderr
    # The same text in a CSV row is an error too (CONTRACT §1: a file and a CSV row with the
    # same text give the same answer), in the Python check and in the SQL alike.
    from ketadecide.batch.row_checks import check_cells

    assert check_cells({"age": text}, load_knowledge_base(DATA_DIR), row=1).profile is None
    import duckdb

    from ketadecide.batch.row_checks import INT_PATTERN

    with duckdb.connect() as con:
        matched = con.execute("SELECT regexp_full_match(?, ?)", [text, INT_PATTERN]).fetchone()
    assert matched == (False,)


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("45", 45), ("-3", -3), ("1.5", 1.5), ("150", 150)])
def test_plain_decimal_numbers_still_read(text: str, value: object) -> None:
    assert load_yaml(f"a: {text}\n", "x.yaml") == {"a": value}


def test_shipped_data_files_still_load() -> None:
    assert load_knowledge_base(DATA_DIR).modalities


SECRET = "SECRET-HASH-9f8e7d"
SHADOW = f"root:$6$salt${SECRET}:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n"


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "-p", "{f}"],
        ["consult", "--no-input", "-p", "{f}"],
        ["troubleshoot", "-p", "{f}"],
        ["troubleshoot", "--modality", "iv", "--log", "{f}"],
        ["fhir", "to-profile", "{f}"],
    ],
)
def test_another_files_content_is_never_echoed(args: list[str], tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_text(SHADOW)
    link = tmp_path / "p.yaml"
    link.symlink_to(secret)
    res = CliRunner().invoke(app, [a.replace("{f}", str(link)) for a in args] + DATA)
    assert res.exit_code == 2
    assert res.stderr.startswith(f"ketadecide: error: {link}")
    for piece in (SECRET, "root:", "bin:", "19000", "$6$"):
        assert piece not in res.stderr + res.stdout, (piece, res.stderr)


def test_an_unknown_key_that_is_a_name_is_still_named(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("age: 45\nagee: 46\nroot:$6$x$" + SECRET + ": 1\n")
    res = CliRunner().invoke(app, ["compare", *DATA, "-p", str(profile)])
    assert res.exit_code == 2
    assert "field 'agee': unknown field" in res.stderr and SECRET not in res.stderr


def test_a_fifo_in_the_data_directory_is_refused_not_waited_on(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / "sources.yaml").unlink()
    os.mkfifo(data / "sources.yaml")
    (tmp_path / "p.yaml").write_text("age: 45\n")
    res = subprocess.run(
        [sys.executable, "-m", "ketadecide", "compare", "-p", "p.yaml", "--data-dir", str(data)],
        cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert res.returncode == 2
    assert "sources.yaml: is not a regular file" in res.stderr


def test_opening_a_fifo_profile_does_not_block_on_the_open(tmp_path: Path) -> None:
    """A profile may come from a pipe (<(...)); the file helper opens without blocking."""
    from ketadecide.files import open_for_reading

    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        open_for_reading(fifo, str(fifo), regular_only=True)
