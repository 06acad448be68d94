"""``data/questions.yaml`` and its model: the shipped file is valid; clinic mistakes are named."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ketadecide.consult.models import QuestionsFile
from ketadecide.consult.questions import load_questions, load_questions_file
from ketadecide.errors import InputError
from ketadecide.floor import load_knowledge_base
from ketadecide.profile import PLAN_FIELDS, PROFILE_FIELDS, SURE_FIELDS, VALUE_FIELDS
from tests.conftest import DATA_DIR, MINIMAL_KB


def clinic_data_dir(tmp_path: Path, edit: Callable[[str], str] = lambda text: text) -> Path:
    """A data dir: the synthetic KB plus the shipped sources and an edited questions.yaml."""
    data = tmp_path / "clinic"
    data.mkdir()
    for name in ("modalities.yaml", "contraindications.yaml", "overlay.yaml"):  # synthetic: standalone
        shutil.copy(MINIMAL_KB / name, data / name)
    test_sources = (MINIMAL_KB / "sources.yaml").read_text().split("sources:", 1)[1]
    shipped = (DATA_DIR / "sources.yaml").read_text()
    # The synthetic entries are already indented under "sources:"; append them to the shipped ones.
    (data / "sources.yaml").write_text(shipped.rstrip() + "\n" + test_sources.lstrip("\n"))
    (data / "questions.yaml").write_text(edit((DATA_DIR / "questions.yaml").read_text()))
    return data


def test_shipped_questions_are_valid_and_cite_known_sources() -> None:
    qs = load_questions_file(DATA_DIR / "questions.yaml")
    questions = [q for _, _, q in qs.file.questions()]
    # Every question of the file is read (counted in its text, apart from the loader).
    text = (DATA_DIR / "questions.yaml").read_text(encoding="utf-8")
    assert len(questions) == len(re.findall(r"^      - id: ", text, re.MULTILINE)) >= 21
    assert questions[0].field == "suicidality"
    filled = {f for q in questions for f in q.fields}
    assert filled <= set(PROFILE_FIELDS)
    # Everything a consult can tell about a person is asked (id is free text, not a question);
    # the values, SURE and plan answers by the optional steps after the comparison.
    assert set(PROFILE_FIELDS) - filled == {"id", *VALUE_FIELDS, *SURE_FIELDS, *PLAN_FIELDS}


def test_a_data_dir_with_its_own_questions_is_used(tmp_path) -> None:
    data = clinic_data_dir(tmp_path)
    kb = load_knowledge_base(data)
    assert isinstance(kb.extras["questions.yaml"], QuestionsFile)
    assert load_questions(kb).path == data / "questions.yaml"


def test_a_data_dir_without_questions_falls_back_to_the_shipped_ones(minimal_kb) -> None:
    assert load_questions(minimal_kb).path == DATA_DIR / "questions.yaml"


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            "      - id: prefers_home\n",
            "      - id: prefers_home\n        fills: prefers_hom\n",
            "unknown profile field",
        ),
        ("          - value: passive_ideation\n", "          - value: maybe\n", "choices[1]"),
        ("        default: unknown\n", "        default: nobody\n", "not one of the choices"),
        ("            - {low: 5, high: 9,", "            - {low: 6, high: 9,", "without gaps"),
        ("        required: true\n", "", "must fill 'age'"),
        (
            "      - id: needle_averse\n",
            "      - id: needle_averse\n        fills: has_driver\n",
            "both fill",
        ),
        (
            "          sources: [kroenke_2001]\n",
            "          sources: [kroenke_2099]\n",
            "kroenke_2099",
        ),
        (
            "        kind: bool\n        clinician: Needle",
            "        kind: boool\n        clinician: Needle",
            "kind",
        ),
    ],
)
def test_mistakes_in_a_clinic_questions_file_are_named(tmp_path, old, new, says) -> None:
    original = (DATA_DIR / "questions.yaml").read_text()
    assert old in original
    data = clinic_data_dir(tmp_path, lambda text: text.replace(old, new, 1))
    with pytest.raises(InputError) as err:
        load_questions(load_knowledge_base(data))  # validated when the consult first uses it
    text = str(err.value)
    assert "questions.yaml" in text
    assert says in text


def test_safety_question_must_stay_first(tmp_path) -> None:
    def move_safety_last(text: str) -> str:
        head, rest = text.split("  - id: safety\n", 1)
        safety, after = rest.split("  - id: history\n", 1)
        before_messages, messages = after.split("messages:\n", 1)
        return head + "  - id: history\n" + before_messages + "  - id: safety\n" + safety + "messages:\n" + messages

    with pytest.raises(InputError, match="must be the first question"):
        load_questions(load_knowledge_base(clinic_data_dir(tmp_path, move_safety_last)))
