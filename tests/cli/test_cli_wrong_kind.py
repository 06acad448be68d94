"""A wrong kind of file, a folder, an option from another command: one line that says what
it is and what to do instead (exit 2). Synthetic files only."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.conftest import ROOT

COHORT = str(ROOT / "examples" / "cohort.csv")
PROFILE = str(ROOT / "examples" / "minimal.json")


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7\n")
    (tmp_path / "cohort.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "folder").mkdir()
    (tmp_path / "age.yaml").write_text("age: -0\n")
    (tmp_path / "lead.yaml").write_text("age: 065\n")
    (tmp_path / "quoted.yaml").write_text('age: "44"\n')
    (tmp_path / "aetna.yaml").write_text("age: 40\ninsurance: Aetna\n")
    (tmp_path / "medical.json").write_text('{"age": 40, "insurance": "Medi-Cal"}')
    (tmp_path / "humana.yaml").write_text("age: 40\ninsurance: humana\n")
    return tmp_path


CASES = [
    (["compare", "-p", COHORT], ["cohort CSV", "ketadecide batch"]),
    (["consult", "--no-input", "-p", COHORT], ["cohort CSV", "ketadecide batch"]),
    (["compare", "-p", "{tmp}/folder"], ["is a folder"]),
    (["compare", "-p", "{tmp}/cohort.xlsx"], ["Excel workbook", "CSV"]),
    (["compare", "-o", "{tmp}/folder", "-p", PROFILE], ["is a folder", "--output {tmp}/folder/handout.html"]),
    (["consult", "--save", "{tmp}/folder"], ["is a folder", "--save {tmp}/folder/answers.yaml"]),
    (["batch", "--profile", COHORT], ["INPUT argument", "ketadecide batch FILE.csv"]),
    (["compare", "--input", PROFILE], ["--profile FILE"]),
    (["batch", "{tmp}/folder"], ["is a folder"]),
    (["batch", "{tmp}/scan.pdf"], ["PDF", "CSV, JSONL or Parquet"]),
    (["batch", "{tmp}/cohort.xlsx"], ["Excel workbook", "CSV"]),
    (["batch", PROFILE], ["one profile", "ketadecide compare --profile"]),
    (["modalities", "esketamine"], ["did you mean spravato"]),
    (["modalities", "infusion"], ["did you mean iv"]),
    (["modalities", "ketamine"], ["iv or im or compounded"]),
    (["compare", "-p", "{tmp}/age.yaml"], ["age: 0 (digits only"]),
    (["compare", "-p", "{tmp}/lead.yaml"], ["age: 65 (digits only"]),
    (["compare", "-p", "{tmp}/quoted.yaml"], ["remove the quotes: age: 44"]),
    # A carrier or state-plan name: what it may mean, from the consult's cited data; never guessed.
    (
        ["compare", "-p", "{tmp}/aetna.yaml"],
        [
            "field 'insurance'",
            "Aetna sells employer, Medicare Advantage and Medicaid plans: write commercial, medicare or medicaid",
        ],
    ),
    (["compare", "-p", "{tmp}/medical.json"], ["Medi-Cal is a Medicaid plan: write medicaid"]),
    (["consult", "--no-input", "-p", "{tmp}/humana.yaml"], ["Humana sells", "write medicare, medicaid or va_tricare"]),
]


@pytest.mark.parametrize(("args", "said"), CASES, ids=[" ".join(a[:2]) + f"-{i}" for i, (a, _) in enumerate(CASES)])
def test_a_wrong_kind_of_input_is_named_with_what_to_do(files: Path, args: list[str], said: list[str]) -> None:
    argv = [a.replace("{tmp}", str(files)) for a in args]
    res = CliRunner().invoke(app, argv)
    assert res.exit_code == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ketadecide: error:"), res.stderr
    for words in said:
        assert words.replace("{tmp}", str(files)) in lines[0], lines[0]
    assert "did you mean --progress" not in lines[0]


def test_a_modality_id_in_capitals_is_accepted() -> None:
    res = CliRunner().invoke(app, ["modalities", "IM"])
    assert res.exit_code == 0 and "Intramuscular" in res.stdout
