"""Issue 21: standalone synthetic data (``overlay.yaml``: ``standalone: synthetic``) is read
without the bundled label floor underneath, so whatever it produces must never pass for
clinical output: JSON says ``knowledge_base.synthetic: true``, every text format starts with
one line saying so, and ``serve`` refuses it. Bundled (and overlay) output never carries it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.render.synthetic import SYNTHETIC_LINE
from tests.conftest import MINIMAL_KB, ROOT

SCHEMA = json.loads((ROOT / "schema" / "result.schema.json").read_text())
KB = ["--data-dir", str(MINIMAL_KB)]
PROFILE = "id: s1\nage: 40\nsuicidality: none\npregnancy: none\ndiagnoses: [mdd]\nconditions: []\nmedications: []\n"


@pytest.fixture
def profile(tmp_path: Path) -> str:
    path = tmp_path / "p.yaml"
    path.write_text(PROFILE)
    return str(path)


def test_json_says_synthetic_and_the_schema_allows_only_true(runner: CliRunner, profile: str) -> None:
    res = runner.invoke(app, ["compare", "--profile", profile, "--format", "json", *KB])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["knowledge_base"]["synthetic"] is True
    jsonschema.validate(data, SCHEMA)
    for wrong in (False, "true", 1):
        data["knowledge_base"]["synthetic"] = wrong
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(data, SCHEMA)


def test_bundled_json_never_carries_the_key(runner: CliRunner, profile: str) -> None:
    res = runner.invoke(app, ["compare", "--profile", profile, "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert "synthetic" not in data["knowledge_base"]
    jsonschema.validate(data, SCHEMA)
    res = runner.invoke(app, ["compare", "--profile", profile, "--format", "markdown"])
    assert SYNTHETIC_LINE not in res.stdout


@pytest.mark.parametrize("fmt", ["table", "markdown", "note"])
def test_text_formats_start_with_the_line(runner: CliRunner, profile: str, fmt: str) -> None:
    res = runner.invoke(app, ["compare", "--profile", profile, "--format", fmt, *KB])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == SYNTHETIC_LINE
    assert res.stdout.count(SYNTHETIC_LINE) == 1


def test_html_handout_starts_its_body_with_the_line(runner: CliRunner, profile: str) -> None:
    res = runner.invoke(app, ["compare", "--profile", profile, "--format", "html", "--audience", "patient", *KB])
    assert res.exit_code == 0, res.output
    body = res.stdout.split("<body>\n", 1)[1]
    assert body.splitlines()[0] == f'<p class="synthetic" role="alert"><strong>{SYNTHETIC_LINE}</strong></p>'


def test_modalities_listing_starts_with_the_line(runner: CliRunner) -> None:
    res = runner.invoke(app, ["modalities", *KB])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == SYNTHETIC_LINE


def test_consult_says_it_before_the_first_question_and_on_its_result(runner: CliRunner) -> None:
    from tests.consult.consult_helpers import TYPICAL

    res = runner.invoke(app, ["consult", *KB], input="".join(f"{a}\n" for a in TYPICAL))
    assert res.exit_code == 0, res.output
    assert res.stderr.splitlines()[0] == SYNTHETIC_LINE
    assert res.stdout.splitlines()[0] == SYNTHETIC_LINE
    # --no-input asks nothing: its result carries the mark, its errors stay one line each
    res = runner.invoke(app, ["consult", *KB, "--no-input", "--profile", "-", "-f", "markdown"], input=PROFILE)
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == SYNTHETIC_LINE


def test_serve_refuses_synthetic_data(runner: CliRunner, tmp_path: Path) -> None:
    for args in (["--dev"], ["--simulate", str(tmp_path)]):
        res = runner.invoke(app, ["serve", *args, *KB])
        assert res.exit_code == 2, res.output
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "synthetic" in lines[0] and "never served" in lines[0]


def test_the_mark_survives_the_cache(runner: CliRunner, profile: str, tmp_path: Path) -> None:
    env = {"KETADECIDE_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # the second run is a cache hit
        res = runner.invoke(app, ["compare", "--profile", profile, "--format", "json", *KB], env=env)
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["knowledge_base"]["synthetic"] is True
    assert any((tmp_path / "cache").iterdir())


# ----------------------------------------------------------------------------- the probe floor
# Standalone synthetic data has no bundled data underneath, but the probe-based floor
# (ketadecide/floor.py) still judges it: a synthetic set cannot say "no flags" for a
# ketamine-allergy or an active-ideation profile. kb_minimal holds every rule the probes need
# (the four label contraindications, pregnancy, psychosis, SUD, mania, age, both suicidality
# answers), so every item is checkable. The crisis trigger itself is the contract's own rule in
# code (engine.evaluate.crisis_screen), not data, so no data set can switch it off; its message
# is checked by the model (crisis_text), tested below.


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    import shutil

    data = tmp_path / "synthetic"
    shutil.copytree(MINIMAL_KB, data)
    path = data / "contraindications.yaml"
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    return data


ALLERGY_ALL_ABSOLUTE = """    severity:
      spravato: absolute
      iv: absolute
      im: absolute
      compounded: absolute
    clinician: Ketamine Hypersensitivity rationale"""

EDITS = {
    "allergy no longer flagged": (
        ALLERGY_ALL_ABSOLUTE,
        ALLERGY_ALL_ABSOLUTE.replace("absolute", "info"),
        "ketamine hypersensitivity",
    ),
    "active ideation no longer flagged": (
        "when: {field: suicidality, op: in, value: [active_ideation, plan_or_intent]}",
        "when: {field: suicidality, op: in, value: [plan_or_intent]}",
        "active suicidal ideation",
    ),
    "ideation screen narrowed to age over 100": (
        "when: {field: suicidality, op: in, value: [active_ideation, plan_or_intent]}",
        "when: {all: [{field: suicidality, op: in, value: [active_ideation, plan_or_intent]},"
        " {field: age, op: gt, value: 100}]}",
        "a suicide plan or intent",
    ),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_probe_floor_refuses_a_loosened_synthetic_set(
    runner: CliRunner, profile: str, tmp_path: Path, edit: str
) -> None:
    old, new, item = EDITS[edit]
    data = _edited(tmp_path, old, new)
    for args in (["compare", "--profile", profile, "--format", "json"], ["data", "validate"]):
        res = runner.invoke(app, [*args, "--data-dir", str(data)])
        assert res.exit_code == 2, res.output
        assert "clinical floor" in res.stderr and item in res.stderr, res.stderr


def test_unedited_minimal_set_passes_the_probe_floor() -> None:
    # The control: the refusals above come from the edit, not from kb_minimal itself.
    from ketadecide.floor import floor_errors
    from ketadecide.knowledge import loader

    report = loader.validate_files(MINIMAL_KB)
    assert report.knowledge_base is not None and report.knowledge_base.synthetic
    assert floor_errors(report.knowledge_base) == []


def test_a_softened_crisis_message_is_refused_in_synthetic_data(
    runner: CliRunner, profile: str, tmp_path: Path
) -> None:
    data = _edited(
        tmp_path,
        "patient: Please call or text 988 now, or call 911.",
        "patient: There is no need to call 988.",
    )
    res = runner.invoke(app, ["compare", "--profile", profile, "--data-dir", str(data)])
    assert res.exit_code == 2, res.output
    assert "crisis" in res.stderr


def test_troubleshoot_report_starts_with_the_line(runner: CliRunner, tmp_path: Path) -> None:
    # kb_minimal has no troubleshooting.yaml: a synthetic copy of the bundled data has.
    from tests.conftest import clinic_data

    data = clinic_data(tmp_path, standalone=True)
    args = ["troubleshoot", "--modality", "iv", "--sessions", "6", "--response", "none", "--data-dir", str(data)]
    for fmt in ("markdown", "table"):
        res = runner.invoke(app, [*args, "--format", fmt])
        assert res.exit_code == 0, res.output
        assert res.stdout.splitlines()[0] == SYNTHETIC_LINE
    res = runner.invoke(app, [*args, "--format", "json"])
    assert json.loads(res.stdout)["knowledge_base"]["synthetic"] is True
