"""`--lang es` through the CLI: Spanish for the patient, refusal without Spanish safety text,
JSON keys unchanged, the clinician's screens left in English."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.lang import set_lang
from tests.conftest import ROOT
from tests.consult.consult_helpers import SPANISH_ANSWERS as SPANISH
from tests.consult.consult_helpers import typed

DATA = ROOT / "data"
CRISIS = str(ROOT / "examples" / "crisis.yaml")
TRD = str(ROOT / "examples" / "trd-commercial.yaml")


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    set_lang("en")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def clinic(tmp_path: Path) -> Path:
    """A copy of the bundled data: a clinic's own directory."""
    target = tmp_path / "clinic"
    shutil.copytree(DATA, target)
    return target


def test_patient_crisis_in_spanish_first(runner: CliRunner) -> None:
    res = runner.invoke(app, ["compare", "-p", CRISIS, "-a", "patient", "--lang", "es", "--format", "markdown"])
    assert res.exit_code == 0, res.output
    out = res.stdout
    crisis = out.index("Usted nos dijo que piensa en quitarse la vida")
    assert "oprima 2" in out[crisis : crisis + 600] and "AYUDA" in out[crisis : crisis + 600]
    assert "988" in out[: crisis + 400]
    assert crisis < out.index("Spravato")  # the crisis message before any comparison


def test_env_variable_selects_spanish(runner: CliRunner) -> None:
    res = runner.invoke(app, ["compare", "-p", CRISIS, "-a", "patient"], env={"KETADECIDE_LANG": "es"})
    assert res.exit_code == 0, res.output
    assert "quitarse la vida" in res.stdout


def test_json_keeps_every_key_and_id(runner: CliRunner) -> None:
    def keys(value: object, path: str = "") -> set[str]:
        if isinstance(value, dict):
            return {f"{path}.{k}" for k in value} | {x for k, v in value.items() for x in keys(v, f"{path}.{k}")}
        if isinstance(value, list):
            return {x for i, v in enumerate(value) for x in keys(v, f"{path}[{i}]")}
        return set()

    args = ["compare", "-p", CRISIS, "-a", "patient", "--format", "json"]
    en = json.loads(runner.invoke(app, args).stdout)
    es = json.loads(runner.invoke(app, [*args, "--lang", "es"]).stdout)
    assert keys(en) == keys(es)
    assert [m["id"] for m in en["modalities"]] == [m["id"] for m in es["modalities"]]
    assert es["crisis"] != en["crisis"] and "988" in json.dumps(es["crisis"], ensure_ascii=False)


def test_clinician_screen_stays_english_and_says_so(runner: CliRunner) -> None:
    res = runner.invoke(app, ["compare", "-p", CRISIS, "--lang", "es"])
    assert res.exit_code == 0, res.output
    assert "quitarse" not in res.stdout
    assert "handout" in res.stderr and "English" in res.stderr


def test_clinician_handout_is_the_patients_in_spanish(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "h.html"
    res = runner.invoke(app, ["compare", "-p", CRISIS, "--lang", "es", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "quitarse la vida" in out.read_text()
    assert "Spanish" in res.stderr


def test_clinic_changing_a_safety_text_without_spanish_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    own = clinic(tmp_path)
    path = own / "contraindications.yaml"
    path.write_text(path.read_text().replace("Thank you for saying so", "Thank you for telling us"))
    res = runner.invoke(app, ["compare", "-p", CRISIS, "-a", "patient", "--lang", "es", "--data-dir", str(own)])
    assert res.exit_code == 2
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "crisis.patient" in lines[0]
    # In English too: a clinic's data is an overlay and may not reword the crisis message
    # (issue 21), so the same one line names it.
    english = runner.invoke(app, ["compare", "-p", CRISIS, "-a", "patient", "--data-dir", str(own)])
    assert english.exit_code == 2
    assert [line for line in english.stderr.splitlines() if line.strip()] == lines


def test_clinic_catalog_leaving_out_a_bundled_twin_uses_the_bundled_one(runner: CliRunner, tmp_path: Path) -> None:
    # A clinic's lang/es.yaml is an overlay like its data files (issue 21): the bundled twins
    # lie beneath, so one it leaves out is still Spanish (a clinic-changed or added safety text
    # without its twin is refused: tests/i18n/test_overlay_es.py).
    own = clinic(tmp_path)
    catalog = own / "lang" / "es.yaml"
    data = yaml.safe_load(catalog.read_text())
    del data["texts"]["questions.sections.safety.questions.suicidality.choices.active_ideation.patient"]
    catalog.write_text(yaml.safe_dump(data, allow_unicode=True))
    res = runner.invoke(app, ["compare", "-p", TRD, "-a", "patient", "--lang", "es", "--data-dir", str(own)])
    assert res.exit_code == 0, res.output
    assert "se muestran en inglés" not in res.stderr
    val = runner.invoke(app, ["data", "validate", str(own), "--lang", "es"])
    assert val.exit_code == 0 and "active_ideation" not in val.stderr


def test_clinic_changed_text_with_its_spanish_twin_is_used(runner: CliRunner, tmp_path: Path) -> None:
    own = clinic(tmp_path)
    path = own / "contraindications.yaml"
    path.write_text(path.read_text().replace("Thank you for saying so", "Thank you for telling us"))
    catalog = own / "lang" / "es.yaml"
    data = yaml.safe_load(catalog.read_text())
    twin = data["texts"]["crisis.patient"]
    twin["en"] = twin["en"].replace("Thank you for saying so", "Thank you for telling us")
    twin["es"] = twin["es"].replace("Gracias por decírnoslo", "Gracias por contárnoslo")
    catalog.write_text(yaml.safe_dump(data, allow_unicode=True))
    args = ["compare", "-p", CRISIS, "-a", "patient", "--lang", "es", "--data-dir", str(own), "-f", "json"]
    res = runner.invoke(app, args)
    # Since issue 21 a clinic's data is an overlay: the crisis message is the bundled data's,
    # so rewording it is refused even with its Spanish twin (one line naming the key).
    assert res.exit_code == 2, res.output
    assert "crisis.patient" in res.stderr and "clinical floor" in res.stderr


def test_missing_non_safety_text_falls_back_visibly_and_is_listed(runner: CliRunner, tmp_path: Path) -> None:
    # the example overlay adds a rule whose patient texts have no Spanish
    own = tmp_path / "clinic"
    shutil.copytree(ROOT / "examples" / "clinic-overlay", own)
    key = "screens.clinic_bp_review.patient"
    val = runner.invoke(app, ["data", "validate", str(own), "--lang", "es"])
    assert val.exit_code == 0, val.output
    assert key in val.stderr
    res = runner.invoke(app, ["compare", "-p", TRD, "-a", "patient", "--lang", "es", "--data-dir", str(own)])
    assert res.exit_code == 0 and "se muestran en inglés" in res.stderr


def test_unknown_language_is_the_libraries_usage_error(runner: CliRunner) -> None:
    res = runner.invoke(app, ["compare", "-p", TRD, "--lang", "fr"])
    assert res.exit_code == 2


#: The interview typed in Spanish, by question id (a plan by name, "$300", "sí"/"no"; "no" at
#: earlier ketamine), then "no" to rating values and to the SURE questions.
SPANISH_ANSWERS = [
    *typed({**SPANISH, "earlier_ketamine": "no", "budget_per_session": "$300"}, lang="es"),
    *("no", "no"),
]


def test_a_consult_answered_in_spanish_gives_the_same_profile(runner: CliRunner, tmp_path: Path) -> None:
    """Words (with or without accents), numbers, "sí"/"no", a plan by name: understood."""
    from tests.consult.consult_helpers import TYPICAL_RECORD

    saved = tmp_path / "p.json"
    text = "".join(f"{a}\n" for a in SPANISH_ANSWERS)
    res = runner.invoke(app, ["consult", "-a", "patient", "--lang", "es", "--save", str(saved)], input=text)
    assert res.exit_code == 0, res.stderr
    assert json.loads(saved.read_text()) == TYPICAL_RECORD
    assert "¿tiene pensamientos de quitarse la vida?" in res.stderr  # the safety question first, in Spanish
    assert "respuestas guardadas" in res.stderr


def test_a_spanish_consult_that_ends_early_says_so_in_spanish(runner: CliRunner) -> None:
    res = runner.invoke(app, ["consult", "-a", "patient", "--lang", "es"], input="No\n")
    assert res.exit_code != 0
    assert res.stderr.strip().splitlines()[-1].endswith("No se guardó nada.")


def test_the_crisis_path_in_a_spanish_consult(runner: CliRunner) -> None:
    res = runner.invoke(app, ["consult", "-a", "patient", "--lang", "es"], input="4\nno\n")
    assert "oprima 2" in res.stderr and "911" in res.stderr
    assert "¿Quiere seguir con las preguntas?" in res.stderr
