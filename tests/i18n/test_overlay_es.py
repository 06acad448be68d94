"""A clinic overlay's Spanish follows the rules of its English (issues 21 and 28): its
``lang/es.yaml`` holds only the Spanish of what it adds or changes (the bundled twins lie
beneath); a text it adds may have Spanish (else it shows in English, visibly); an English
text it changes needs its Spanish twin, or ``--lang es`` refuses with one line naming the key."""

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

EXAMPLE = ROOT / "examples" / "clinic-overlay"
CRISIS = str(ROOT / "examples" / "crisis.yaml")
TRD = str(ROOT / "examples" / "trd-commercial.yaml")
BP = "screens.clinic_bp_review"
KETAMINE = "questions.sections.history.questions.earlier_ketamine.patient"
ASKED = "Are you having, or have you had, ketamine or esketamine (Spravato) treatment?"
SAFETY_TITLE = "questions.sections.safety.title.patient"


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    set_lang("en")


def overlay(tmp_path: Path, twins: dict[str, tuple[str, str]] | None = None) -> Path:
    """The example clinic overlay, with a ``lang/es.yaml`` holding only ``twins``."""
    folder = tmp_path / "clinic"
    shutil.copytree(EXAMPLE, folder)
    if twins is not None:
        (folder / "lang").mkdir()
        texts = {k: {"en": en, "es": es} for k, (en, es) in twins.items()}
        (folder / "lang" / "es.yaml").write_text(
            yaml.safe_dump({"language": "es", "texts": texts}, allow_unicode=True), encoding="utf-8"
        )
    return folder


def bundled_english(key: str) -> str:
    data = yaml.safe_load((ROOT / "data" / "lang" / "es.yaml").read_text(encoding="utf-8"))
    english: str = data["texts"][key]["en"]
    return english


def run(folder: Path, profile: str = CRISIS, *extra: str) -> tuple[int, str, str]:
    args = ["compare", "-p", profile, "-a", "patient", "--lang", "es", "--data-dir", str(folder), *extra]
    res = CliRunner().invoke(app, args)
    return res.exit_code, res.stdout, res.stderr


BP_PLAIN = "Blood pressure above this clinic's limit"
BP_PATIENT = (
    "This clinic asks a doctor to check your blood pressure reading before an infusion or "
    "injection when it is 130/85 or higher."
)
BP_TWINS = {
    f"{BP}.plain_name": (BP_PLAIN, "Presión arterial por encima del límite de esta clínica"),
    f"{BP}.patient": (
        BP_PATIENT,
        "Esta clínica pide que un médico revise su presión antes de un suero o una inyección "
        "cuando es de 130/85 o más.",
    ),
}


def test_an_overlay_adds_the_spanish_of_what_it_adds_alone(tmp_path: Path) -> None:
    code, out, err = run(overlay(tmp_path, BP_TWINS), TRD, "-f", "json")
    assert code == 0, err
    assert "se muestran en inglés" not in err  # every text, the bundled ones from beneath
    text = json.dumps(json.loads(out), ensure_ascii=False)
    assert "Presión arterial por encima del límite de esta clínica" in text
    assert "quitarse la vida" in run(overlay(tmp_path / "b", BP_TWINS))[1]  # bundled safety twins used


def test_an_added_text_without_spanish_shows_in_english_visibly(tmp_path: Path) -> None:
    code, out, err = run(overlay(tmp_path), TRD, "-f", "json")
    assert code == 0, err
    assert "2 texto(s) para el paciente aún no tienen español y se muestran en inglés" in err
    assert BP_PLAIN in json.dumps(json.loads(out))


def test_the_local_crisis_line_is_in_spanish(tmp_path: Path) -> None:
    code, out, err = run(overlay(tmp_path, BP_TWINS), CRISIS, "-f", "json")
    assert code == 0, err
    crisis = json.loads(out)["crisis"]["message"]
    assert "También hay ayuda local: Example County Crisis Line, 555-0100 (24/7)." in crisis
    assert "Also available" not in crisis


def _reword(folder: Path, old: str, new: str) -> None:
    # the clinic's questions.yaml: a full copy of the bundled one with one text changed
    text = (ROOT / "data" / "questions.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    (folder / "questions.yaml").write_text(text.replace(old, new), encoding="utf-8")


def test_a_changed_english_text_without_its_twin_refuses_naming_the_key(tmp_path: Path) -> None:
    folder = overlay(tmp_path, BP_TWINS)
    _reword(folder, ASKED, "Have you ever had ketamine or esketamine (Spravato) treatment?")
    english = CliRunner().invoke(app, ["compare", "-p", TRD, "-a", "patient", "--data-dir", str(folder)])
    assert english.exit_code == 0, english.stderr  # the overlay may change it in English
    code, _, err = run(folder, TRD)
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and KETAMINE in lines[0], lines


def test_a_changed_english_text_with_its_twin_is_used(tmp_path: Path) -> None:
    changed = "Have you ever had ketamine or esketamine (Spravato) treatment?"
    spanish = "¿Ha recibido alguna vez tratamiento con ketamina o esketamina (Spravato)?"
    folder = overlay(tmp_path, {**BP_TWINS, KETAMINE: (changed, spanish)})
    _reword(folder, ASKED, changed)
    code, _, err = run(folder, TRD)
    assert code == 0, err
    from ketadecide.floor import load_knowledge_base
    from ketadecide.i18n.texts import localize

    kb = localize(load_knowledge_base(folder)).knowledge_base
    questions = {q.id: q for s in kb.questions().sections for q in s.questions}
    assert questions["earlier_ketamine"].patient == spanish


def test_a_changed_safety_text_without_its_twin_refuses(tmp_path: Path) -> None:
    folder = overlay(tmp_path, BP_TWINS)
    title = bundled_english(SAFETY_TITLE)
    _reword(folder, f"patient: {title}", f"patient: {title} (please answer)")
    code, _, err = run(folder, TRD)
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and SAFETY_TITLE in lines[0] and "safety text" in lines[0], lines
