"""`ketadecide compare` through CliRunner: exit codes, formats, errors, files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.conftest import MINIMAL_KB, ROOT

SCHEMA = json.loads((ROOT / "schema" / "result.schema.json").read_text())
KB = ["--data-dir", str(MINIMAL_KB)]


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def run_json(runner: CliRunner, args: list[str], **kw: object) -> dict:  # type: ignore[type-arg]
    res = runner.invoke(app, ["compare", *args, "--format", "json", *KB], **kw)  # type: ignore[arg-type]
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    jsonschema.validate(data, SCHEMA)
    return data  # type: ignore[no-any-return]


def test_version(runner: CliRunner) -> None:
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0
    assert res.stdout.startswith("ketadecide 0.")


def test_json_is_the_contract(runner: CliRunner, tmp_path: Path) -> None:
    data = run_json(
        runner, ["--profile", write(tmp_path, "id: t1\nage: 40\nconditions: [arteriovenous_malformation]\n")]
    )
    assert data["schema_version"] == 2
    assert data["profile_id"] == "t1"
    assert [m["id"] for m in data["modalities"]] == ["spravato", "iv", "im", "compounded"]
    assert data["modalities"][0]["status"] == "contraindicated"
    # only age and one condition answered: the rest of the safety screen is "not asked"
    assert data["missing"] == ["suicidality", "pregnancy", "diagnoses", "medications"]
    assert [m["status"] for m in data["modalities"][1:]] == ["incomplete"] * 3
    for m in data["modalities"]:
        assert m["indication"]["status"] in ("on_label", "off_label", "not_established")
        assert m["indication"]["note"] and m["indication"]["sources"]
    assert data["modalities"][0]["indication"]["status"] == "not_established"
    assert data["crisis"] == {"triggered": False, "reasons": [], "message": "", "sources": []}
    assert data["disclaimer"]


def test_stdin_profile(runner: CliRunner) -> None:
    data = run_json(runner, ["--profile", "-"], input='{"age": 33, "suicidality": "plan_or_intent"}')
    assert data["crisis"]["triggered"] is True
    assert "988" in data["crisis"]["message"]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("age: forty\n", "field 'age'"),
        ("age: 40\nfoo: 1\n", "field 'foo'"),
        ("age: 40\nconditions: [not_a_condition]\n", "field 'conditions[0]'"),
        ("age: 40\nage: 41\n", "duplicate key 'age'"),
        ("age: [\n", "invalid YAML"),
        ("", "empty"),
        ("- 1\n- 2\n", "mapping"),
        ('!!python/object/apply:os.system ["echo pwned"]\n', "constructor"),
    ],
)
def test_bad_profile_exits_2_naming_file_and_field(runner: CliRunner, tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path, text)
    res = runner.invoke(app, ["compare", "--profile", path, "--format", "json", *KB])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert needle in res.stderr
    assert path in res.stderr
    assert "Traceback" not in res.stderr
    assert "pwned" not in res.stdout


def test_missing_profile_file(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(app, ["compare", "--profile", str(tmp_path / "nope.yaml"), *KB])
    assert res.exit_code == 2
    assert "no such file" in res.stderr


def test_missing_profile_option_is_usage_error(runner: CliRunner) -> None:
    res = runner.invoke(app, ["compare", *KB])
    assert res.exit_code == 2


def test_bad_data_dir(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(app, ["compare", "--profile", write(tmp_path, "age: 40\n"), "--data-dir", str(tmp_path / "x")])
    assert res.exit_code == 2
    assert "data directory" in res.stderr


def test_data_dir_from_environment(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        ["compare", "--profile", write(tmp_path, "age: 40\n"), "--format", "json"],
        env={"KETADECIDE_DATA_DIR": str(MINIMAL_KB)},
    )
    assert res.exit_code == 0, res.stderr
    assert "Synthetic test source" in res.stdout or json.loads(res.stdout)["disclaimer"].startswith("Test disclaimer")


def test_output_file_is_private_and_format_inferred(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    res = runner.invoke(app, ["compare", "--profile", write(tmp_path, "age: 40\n"), "--output", str(out), *KB])
    assert res.exit_code == 0, res.stderr
    assert res.stdout == ""
    jsonschema.validate(json.loads(out.read_text()), SCHEMA)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_output_to_missing_folder(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["compare", "--profile", write(tmp_path, "age: 40\n"), "-o", str(tmp_path / "no" / "x.json"), *KB]
    )
    assert res.exit_code == 2
    assert "folder" in res.stderr


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_crisis_comes_first(runner: CliRunner, tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path, "age: 30\nsuicidality: active_ideation\n")
    res = runner.invoke(app, ["compare", "--profile", path, "--format", fmt, *KB])
    assert res.exit_code == 0
    first_lines = "\n".join(res.stdout.strip().splitlines()[:6])
    assert "988" in first_lines


@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_table_is_plain_without_terminal(runner: CliRunner, tmp_path: Path, audience: str) -> None:
    res = runner.invoke(
        app, ["compare", "--profile", write(tmp_path, "age: 40\n"), "--audience", audience, *KB], env={"NO_COLOR": "1"}
    )
    assert res.exit_code == 0
    assert "\x1b[" not in res.stdout
    assert "Spravato" in res.stdout
    assert "Sources" not in res.stdout and "--detail" in res.stdout  # the summary
    res = runner.invoke(
        app,
        ["compare", "--profile", write(tmp_path, "age: 40\n"), "--audience", audience, "--detail", *KB],
        env={"NO_COLOR": "1"},
    )
    assert "\x1b[" not in res.stdout
    # Both list their sources at the end now (issue 24 review: a patient's too, with dates).
    heading = "Sources" if audience == "clinician" else "Where this information comes from"
    assert f"\n{heading}\n" in res.stdout


def test_markdown_escapes_profile_id(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "age: 40\nid: '<script>alert(1)</script>'\n")
    res = runner.invoke(app, ["compare", "--profile", path, "--format", "markdown", *KB])
    assert res.exit_code == 0
    assert "<script>" not in res.stdout
    assert "&#60;script&#62;" in res.stdout


def test_internal_error_is_short_without_debug(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ketadecide import compare as engine

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("secret patient detail")

    monkeypatch.setattr(engine, "evaluate", boom)
    path = write(tmp_path, "age: 40\n")
    res = runner.invoke(app, ["compare", "--profile", path, *KB])
    assert res.exit_code == 1
    assert "Traceback" not in res.stderr
    assert "secret patient detail" not in res.stderr
    assert "--debug" in res.stderr
    res = runner.invoke(app, ["--debug", "compare", "--profile", path, *KB])
    assert res.exit_code == 1
    assert "Traceback" in res.stderr
