"""`ketadecide troubleshoot` and the handout formats of `compare`, through CliRunner."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.compare import evaluate
from ketadecide.knowledge import KnowledgeBase
from ketadecide.sources.profile_file import load_profile
from tests.conftest import DATA_DIR, MINIMAL_KB, ROOT

SCHEMA = json.loads((ROOT / "schema" / "result.schema.json").read_text())
EXAMPLES = ROOT / "examples"
LOG = str(EXAMPLES / "session-log.csv")
COURSE = str(EXAMPLES / "course-under-way.yaml")
TOP_KEYS = {
    "schema_version",
    "ketadecide_version",
    "knowledge_base",
    "profile_id",
    "audience",
    "crisis",
    "course",
    "troubleshooting",
    "disclaimer",
}


def ts_json(runner: CliRunner, *args: str) -> dict[str, Any]:
    res = runner.invoke(app, ["troubleshoot", *args, "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)  # type: ignore[no-any-return]


def test_flags_only(runner: CliRunner) -> None:
    data = ts_json(runner, "--modality", "iv", "--sessions", "6", "--response", "none")
    assert set(data) == TOP_KEYS
    assert [t["id"] for t in data["troubleshooting"]] == ["no_response"]
    item = data["troubleshooting"][0]
    assert {"id", "situation", "meaning", "next_step"} <= set(item)
    assert item["alternatives"] == ["tms", "other_medication_class", "augmentation", "ect"]
    assert data["course"]["window"]["sessions"] == 6 and data["course"]["log"] is None
    assert data["crisis"]["triggered"] is False


def test_flags_are_case_insensitive_and_validated(runner: CliRunner) -> None:
    assert ts_json(runner, "--modality", "SPRAVATO", "--sessions", "2", "--response", "none")["course"]["modality"] == (
        "spravato"
    )
    res = runner.invoke(app, ["troubleshoot", "--modality", "oral"])
    assert res.exit_code == 2
    res = runner.invoke(app, ["troubleshoot", "--modality", "iv", "--sessions", "-1"])
    assert res.exit_code == 2


def test_profile_gives_the_comparison_too(runner: CliRunner, kb: KnowledgeBase) -> None:
    data = ts_json(runner, "--profile", COURSE)
    assert [m["id"] for m in data["modalities"]] == ["spravato", "iv", "im", "compounded"]
    assert [t["id"] for t in data["troubleshooting"]] == [
        "dissociation_too_intense",
        "partial_response",
        "financial_strain",
    ]
    # The same suggestions as compare's troubleshooting for the same profile.
    result = evaluate(load_profile(COURSE), kb)
    assert [s.id for s in result.troubleshooting] == [t["id"] for t in data["troubleshooting"]]


def test_flags_override_the_profile(runner: CliRunner) -> None:
    data = ts_json(runner, "--profile", COURSE, "--response", "none", "--no-financial-stress")
    assert [t["id"] for t in data["troubleshooting"]] == ["dissociation_too_intense", "no_response"]


def test_log_derives_the_course(runner: CliRunner) -> None:
    data = ts_json(runner, "--log", LOG)
    log = data["course"]["log"]
    assert (log["sessions_logged"], log["sessions_full_dose"]) == (9, 7)
    assert (log["baseline_phq9"], log["best_phq9"], log["latest_phq9"]) == (22, 9, 17)
    assert log["response"] == data["course"]["response"] == "fading"
    assert data["course"]["sessions"] == 7
    assert [t["id"] for t in data["troubleshooting"]] == ["fading"]
    assert [s["full_dose"] for s in log["sessions"]] == [False, False] + [True] * 7


def test_log_table_shows_a_sparkline(runner: CliRunner) -> None:
    res = runner.invoke(app, ["troubleshoot", "--log", LOG])
    assert res.exit_code == 0, res.output
    # scaled to the course's own range (9-22), which the line states
    assert "PHQ-9 █▇▆▄▂▁▂▄▅" in res.stdout and "scores 9–22" in res.stdout
    assert "○○●●●●●●●" in res.stdout


def test_log_errors_exit_2_naming_row_and_field(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "s.csv"
    bad.write_text("date,modality,dose,phq9_total\n2026-01-01,iv,0.5,20\n2026-01-02,iv,0.5,31\n")
    res = runner.invoke(app, ["troubleshoot", "--log", str(bad)])
    assert res.exit_code == 2
    # data row 2 is line 3 of the file (the header is line 1): both are named
    assert f"ketadecide: error: {bad}, row 2 (line 3), field 'phq9_total'" in res.stderr
    assert "Traceback" not in res.stderr
    missing = runner.invoke(app, ["troubleshoot", "--log", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_no_course_is_an_input_error(runner: CliRunner) -> None:
    res = runner.invoke(app, ["troubleshoot", "--response", "none"])
    assert res.exit_code == 2
    assert "no course to troubleshoot" in res.stderr


def test_log_and_modality_must_agree(runner: CliRunner) -> None:
    res = runner.invoke(app, ["troubleshoot", "--log", LOG, "--modality", "spravato"])
    assert res.exit_code == 2 and "the log's course is iv" in res.stderr


def test_data_without_rules_is_an_input_error_but_compare_still_works(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(app, ["troubleshoot", "--modality", "iv", "--data-dir", str(MINIMAL_KB)])
    assert res.exit_code == 2 and "no troubleshooting.yaml" in res.stderr
    profile = tmp_path / "p.yaml"
    profile.write_text("age: 40\ncourse_modality: iv\ncourse_response: none\n")
    out = runner.invoke(app, ["compare", "-p", str(profile), "--data-dir", str(MINIMAL_KB), "-f", "html"])
    assert out.exit_code == 0 and '<ul class="checklist">' not in out.stdout


@pytest.mark.parametrize("fmt", ["json", "markdown", "html", "table"])
def test_compare_includes_troubleshooting_in_every_format(runner: CliRunner, fmt: str) -> None:
    res = runner.invoke(app, ["compare", "-p", COURSE, "-f", fmt, "-a", "clinician"])
    assert res.exit_code == 0, res.output
    if fmt == "json":
        data = json.loads(res.stdout)
        jsonschema.validate(data, SCHEMA)
        assert [t["id"] for t in data["troubleshooting"]] == [
            "dissociation_too_intense",
            "partial_response",
            "financial_strain",
        ]
    else:
        assert "monitored setting" in res.stdout  # the compounded-specific advice


def test_markdown_handout_content(runner: CliRunner, kb: KnowledgeBase) -> None:
    res = runner.invoke(app, ["compare", "-p", COURSE, "-f", "markdown", "-a", "patient"])
    assert res.exit_code == 0
    text = res.stdout
    for heading in (
        "## Things to think about before any of these choices",
        "## Questions to ask a provider",
        "## If you are ever in danger",
    ):
        assert heading in text
    assert text.count("- [ ] ") == len(kb.extras["troubleshooting.yaml"].handout.checklist)
    assert "## Where this information comes from" in text
    assert "988" in text


def test_troubleshoot_markdown_and_html_carry_the_same_sections(runner: CliRunner) -> None:
    md = runner.invoke(app, ["troubleshoot", "--log", LOG, "-f", "markdown", "-a", "patient"]).stdout
    page = runner.invoke(app, ["troubleshoot", "--log", LOG, "-f", "html", "-a", "patient"]).stdout
    for text in (md, page):
        # pre-treatment; this course is under way
        assert "Things to think about before any of these choices" not in text
        assert "Questions to ask a provider" in text
        assert "If you are ever in danger" in text
        assert "Where this information comes from" in text
        assert "Knowledge base reviewed" in text
    assert "█▇▆▄▂▁▂▄▅" in md  # the trend in Markdown
    assert "<svg" in page and 'class="bar titration"' in page  # and in HTML


def test_crisis_comes_first(runner: CliRunner) -> None:
    for fmt in ("html", "markdown"):
        res = runner.invoke(app, ["compare", "-p", str(EXAMPLES / "crisis.yaml"), "-f", fmt, "-a", "patient"])
        assert res.exit_code == 0
        text = res.stdout
        banner = text.index("Your safety comes first")
        assert banner < text.index("Comparing ketamine treatments", text.index("<body>") if fmt == "html" else 0)
        assert "If you are ever in danger" not in text  # not repeated at the end


def test_html_is_self_contained(runner: CliRunner) -> None:
    page = runner.invoke(app, ["troubleshoot", "--profile", COURSE, "--log", LOG, "-f", "html"]).stdout
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    for external in ('http-equiv="refresh"', "<link", "<script", 'src="http', "url(", "@import"):
        assert external not in page
    assert "@page" in page and "@media print" in page


def test_output_file_is_private(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "handout.html"
    res = runner.invoke(app, ["troubleshoot", "--log", LOG, "--output", str(out)])
    assert res.exit_code == 0 and res.stdout == ""
    assert out.read_text().startswith("<!DOCTYPE html>")  # format from the extension
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def write_data(tmp_path: Path, edit: str, replacement: str) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    path = target / "troubleshooting.yaml"
    text = path.read_text()
    assert edit in text
    path.write_text(text.replace(edit, replacement, 1))
    return target


@pytest.mark.parametrize(
    ("edit", "replacement", "message"),
    [
        (
            "    alternatives: [tms]\n    sources",
            "    alternatives: [hypnosis]\n    sources",
            "'hypnosis' is not defined",
        ),
        ("Dissociation during {modality}", "Dissociation during {route}", "unknown placeholder {route}"),
        ('sources: ["seed_000 troubleshooting table"]', "sources: [no_such_source]", "no_such_source"),
        ("    timing: any\n", "    timing: sometimes\n", "timing"),
        ("response_min_drop: 0.50", "response_min_drop: 0.20", "partial_min_drop must be below"),
        (
            "{field: course_dissociation, op: eq, value: too_intense}",
            "{field: course_dissociation, op: eq, value: mild}",
            "mild",
        ),
    ],
)
def test_bad_rules_fail_validation_naming_the_file(
    runner: CliRunner, tmp_path: Path, edit: str, replacement: str, message: str
) -> None:
    data = write_data(tmp_path, edit, replacement)
    res = runner.invoke(app, ["data", "validate", str(data)])
    assert res.exit_code == 2
    assert "troubleshooting.yaml" in res.stderr and message in res.stderr, res.stderr


def test_a_rising_pre_dose_bp_is_named_with_the_data_threshold(runner: CliRunner, tmp_path: Path) -> None:
    log = tmp_path / "bp.csv"
    log.write_text(
        "date,modality,dose,phq9_total,dissociation,bp\n"
        "2026-01-05,iv,0.5,21,mild,128/82\n2026-01-08,iv,0.5,18,mild,138/88\n2026-01-12,iv,0.5,18,mild,150/94\n"
    )
    res = runner.invoke(app, ["troubleshoot", "--log", str(log)])
    assert res.exit_code == 0, res.output
    assert "Latest pre-dose BP 150/94 (first logged 128/82)" in res.stdout
    assert "bp_elevated" in res.stdout or "Elevated blood pressure" in res.stdout
    # a 3-point change shows as a change, not as the same block twice
    line = next(x for x in res.stdout.splitlines() if x.strip().startswith("PHQ-9 "))
    bars = line.split()[1]
    assert bars[0] != bars[1]
    # and a normal last reading says nothing about blood pressure
    log.write_text(
        "date,modality,dose,phq9_total,dissociation,bp\n2026-01-05,iv,0.5,21,mild,150/94\n2026-01-08,iv,0.5,18,mild,128/80\n"
    )
    res = runner.invoke(app, ["troubleshoot", "--log", str(log)])
    assert "Latest pre-dose BP" not in res.stdout
