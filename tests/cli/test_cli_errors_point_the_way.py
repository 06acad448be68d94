"""Issue 14, errors that point the way: each mistake a user makes gives exit 2 and one line
in ketadecide's own words, saying what to write instead. Tests assert our wording and exit
code, never a library's."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.errors import suggest
from tests.conftest import ROOT

EXAMPLE = str(ROOT / "examples" / "trd-commercial.yaml")
PREFIX = "ketadecide: error: "
LIBRARY_WORDS = ("Usage:", "Try '", "Input should be", "Value error", "Error: ", "Traceback")


def run(args: list[str], **kw: object) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, args, **kw)  # type: ignore[arg-type]
    return res.exit_code, res.stdout, res.stderr


def one_error(args: list[str], **kw: object) -> str:
    """The command fails as bad input: exit 2, only our error lines, no library wording."""
    code, out, err = run(args, **kw)
    assert code == 2, (code, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert lines and all(line.startswith(PREFIX) for line in lines), err
    assert not any(word in err for word in LIBRARY_WORDS), err
    return err


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# ------------------------------------------------------------------ one error style


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["compare", "--format", "pdf", "--profile", EXAMPLE], "print it to PDF from a browser"),
        (["troubleshoot", "--sessions", "four"], "write it in digits: --sessions 4"),
        (["troubleshoot", "--sessions", "-3"], "a whole number from 0 to 1000"),
        (["compare", "--profle", EXAMPLE], "did you mean --profile?"),
        (["comapre"], "did you mean compare?"),
        (["troubleshoot", "--modality", "IVV"], "did you mean 'iv'?"),
        (["compare", "--audience", "Patien", "--profile", EXAMPLE], "did you mean 'patient'?"),
        (["compare", "--fhir", "x.json", "--as-of", "2026-13-01"], "a date as YYYY-MM-DD"),
        (["fhir", "to-profile"], "missing BUNDLE"),
        (["compare", EXAMPLE], f"use --profile {EXAMPLE}"),
        (["troubleshoot", "log.csv"], "use --log log.csv"),
    ],
)
def test_option_and_usage_errors_are_one_line_in_our_words(args: list[str], expected: str) -> None:
    err = one_error(args)
    assert len(err.strip().splitlines()) == 1
    assert expected in err


@pytest.mark.parametrize(
    "args",
    [
        ["-h"],
        ["compare", "-h"],
        ["consult", "-h"],
        ["batch", "-h"],
        ["modalities", "-h"],
        ["troubleshoot", "-h"],
        ["ids", "-h"],
        ["data", "validate", "-h"],
        ["fhir", "to-profile", "-h"],
    ],
)
def test_help_is_conventional(args: list[str]) -> None:
    code, out, _ = run(args, env={"COLUMNS": "100"})
    assert code == 0
    assert "<str>" not in out and "TEXT" not in out and "[[" not in out and "{" not in out
    assert "CONTRACT" not in out and "<%Y" not in out
    if len(args) > 1:
        assert "Examples:" in out


def test_top_level_summaries_are_not_cut_off() -> None:
    _, out, _ = run(["-h"], env={"COLUMNS": "100"})
    commands = out.split("Commands:", 1)[1]
    assert "..." not in commands
    assert "ids" in commands


# ------------------------------------------------------------------ outputs say what they did


@pytest.mark.parametrize("suffix", [".pdf", ".docx", ".yaml", ".csv"])
def test_an_output_we_cannot_write_is_refused_with_what_to_do(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"handout{suffix}"
    err = one_error(["compare", "--profile", EXAMPLE, "-o", str(target)])
    assert f"cannot write a {suffix} file" in err and "; " in err
    assert not target.exists()


def test_pdf_says_print_from_a_browser(tmp_path: Path) -> None:
    err = one_error(["troubleshoot", "--modality", "iv", "-o", str(tmp_path / "x.pdf")])
    assert "write .html and print it to PDF from a browser" in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["compare", "--profile", EXAMPLE, "--audience", "patient"], "(HTML, patient; print it from a browser)"),
        (["troubleshoot", "--modality", "iv", "--sessions", "6", "--response", "none"], "(HTML, clinician"),
        (["modalities"], "(Markdown, clinician)"),
    ],
)
def test_a_successful_output_says_what_it_wrote(tmp_path: Path, args: list[str], said: str) -> None:
    target = tmp_path / ("handout.md" if "Markdown" in said else "handout.html")
    code, out, err = run([*args, "-o", str(target)])
    assert code == 0, err
    assert f"ketadecide: wrote {target} {said}" in err
    assert target.exists() and out == ""


def test_consult_and_ids_and_fhir_say_what_they_wrote(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    code, _, err = run(["consult", "--no-input", "--profile", EXAMPLE, "-o", str(target)])
    assert code == 0 and f"wrote {target} (JSON, clinician)" in err
    target = tmp_path / "ids.md"
    code, _, err = run(["ids", "-o", str(target)])
    assert code == 0 and f"wrote {target} (Markdown)" in err
    err = one_error(["fhir", "to-profile", "bundle.json", "-o", str(tmp_path / "p.json")])
    assert "name it .yaml" in err


# ------------------------------------------------------------------ find the ids


def test_ids_lists_conditions_medications_brands_and_every_enum() -> None:
    code, out, _ = run(["ids", "--format", "json"])
    assert code == 0
    data = json.loads(out)
    meds = {m["id"]: m for m in data["medications"]}
    assert "Xanax" in meds["benzodiazepine"]["brands"]
    assert "uncontrolled_hypertension" in {c["id"] for c in data["conditions"]}
    assert data["values"]["insurance"][0] == "commercial"
    assert {"pregnancy", "diagnoses", "suicidality", "insurance", "course_modality"} <= set(data["values"])
    assert "age" in {f["field"] for f in data["fields"]}


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_ids_section_in_every_format(fmt: str) -> None:
    code, out, _ = run(["ids", "medications", "--format", fmt])
    assert code == 0 and "benzodiazepine" in out and "Xanax" in out
    assert "insurance" not in out


def test_ids_unknown_section_suggests_one() -> None:
    assert "did you mean 'conditions'?" in one_error(["ids", "conditon"])


def test_suggest_matches_case_spelling_and_other_names() -> None:
    assert suggest("MDD", ["mdd", "ptsd"]) == ["mdd"]
    assert suggest("uncontroled_hypertension", ["uncontrolled_hypertension", "psychosis_history"]) == [
        "uncontrolled_hypertension"
    ]
    assert suggest("Xanax", {"Xanax": "benzodiazepine", "Lamictal": "lamotrigine"}) == ["benzodiazepine"]
    assert suggest("zzz", ["mdd"]) == []


# ------------------------------------------------------------------ profile hints


@pytest.mark.parametrize(
    ("text", "field", "hint"),
    [
        ('age: "44"\n', "age", "remove the quotes: age: 44"),
        ("age: 44\nbp: 150/95\n", "bp", "use bp_systolic: 150 and bp_diastolic: 95"),
        ("age: 44\nbp_systolic: 150/95\n", "bp_systolic", "split it: bp_systolic: 150 and bp_diastolic: 95"),
        ("age: 44\ninsurance: Commercial\n", "insurance", "did you mean 'commercial'?"),
        ("age: 44\ndiagnoses: [MDD]\n", "diagnoses[0]", "did you mean 'mdd'?"),
        ("age: 44\nneedle_averse: Y\n", "needle_averse", "did you mean true?"),
        ("age: 44\nbudget_per_session: $400\n", "budget_per_session", "without '$' or commas: budget_per_session: 400"),
        ("age: 44\nmedications: [Xanax]\n", "medications[0]", "did you mean 'benzodiazepine'?"),
        (
            "age: 44\nconditions: [uncontroled_hypertension]\n",
            "conditions[0]",
            "did you mean 'uncontrolled_hypertension'?",
        ),
        ("age: 44\nagee: 3\n", "agee", "not a profile field; did you mean 'age'?"),
        ("age: 44\ndiagnoses: mdd\n", "diagnoses", "write diagnoses: [mdd]"),
    ],
)
def test_profile_mistakes_name_what_to_write(tmp_path: Path, text: str, field: str, hint: str) -> None:
    path = write(tmp_path, text)
    for command in (
        ["compare", "--profile", path],
        ["troubleshoot", "--profile", path],
        ["consult", "--no-input", "--profile", path],
    ):
        err = one_error(command)
        assert f"field '{field}': " in err and hint in err, (command, err)
        assert "not in the contract" not in err


@pytest.mark.parametrize(
    ("name", "text", "hint"),
    [
        ("p.yaml", "age: 44\nconditions:\n\t- psychosis_history\n", "YAML indents with spaces, not tabs, line 3"),
        ("p.json", '{\n  "age": 44,\n  "diagnoses": ["mdd",]\n}\n', "remove the comma after the last item, line 3"),
        ("p.json", '{\n  "age": 44,\n}\n', "remove the comma after the last item, line 2"),
    ],
)
def test_tabs_and_trailing_commas(tmp_path: Path, name: str, text: str, hint: str) -> None:
    assert hint in one_error(["compare", "--profile", write(tmp_path, text, name)])


def test_as_of_without_fhir_is_one_check_for_every_command(tmp_path: Path) -> None:
    for args in (["compare", "--profile", EXAMPLE], ["consult", "--no-input", "--profile", EXAMPLE]):
        assert "--as-of applies only with --fhir" in one_error([*args, "--as-of", "2026-01-01"])


# ------------------------------------------------------------------ researchers


def test_example_cohort_covers_every_status_indication_crisis_and_two_bad_rows(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    out = tmp_path / "results.csv"
    code, _, err = run(["batch", str(ROOT / "examples" / "cohort.csv"), "-o", str(out), "--no-progress"])
    assert code == 0, err
    rows = list(csv.DictReader(out.read_text().splitlines()))
    statuses = {r[f"{m}_status"] for r in rows for m in ("spravato", "iv", "im", "compounded")}
    indications = {r[f"{m}_indication"] for r in rows for m in ("spravato", "iv", "im", "compounded")}
    assert statuses == {"no_flags", "caution", "incomplete", "contraindicated"}
    assert indications == {"on_label", "off_label", "not_established"}
    assert any(r["crisis"].lower() == "true" for r in rows)
    errors = list(csv.DictReader(Path(f"{out}.errors.csv").read_text().splitlines()))
    assert {e["row"] for e in errors} == {"19", "20"}
    by_field = {e["field"]: e["error"] for e in errors}
    assert "did you mean 'mdd'?" in by_field["diagnoses[0]"]
    assert "did you mean 'commercial'?" in by_field["insurance"]
    assert "20 rows in = 18 results + 2 error rows" in err
