"""A JSON profile file's numbers are typed (CONTRACT §1): 40.0 is 40 there, as in a JSONL row;
YAML's 40.0 and the JSON text "40.0" stay input errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketadecide.errors import InputError
from ketadecide.sources.profile_file import load_profile


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_json_whole_doubles_are_integers(tmp_path: Path) -> None:
    profile = load_profile(
        _write(tmp_path, "p.json", '{"age": 40.0, "antidepressant_trials": 2.0, "phq9": [1.0,0,0,0,0,0,0,0,0]}')
    )
    assert profile.age == 40 and isinstance(profile.age, int)
    assert profile.antidepressant_trials == 2 and isinstance(profile.antidepressant_trials, int)
    assert profile.phq9 is not None and all(isinstance(x, int) for x in profile.phq9)


@pytest.mark.parametrize(
    ("name", "text", "field"),
    [
        ("p.json", '{"age": 40.5}', "age"),
        ("p.json", '{"age": "40.0"}', "age"),
        ("p.yaml", "age: 40.0\n", "age"),
    ],
)
def test_fractions_text_and_yaml_doubles_are_refused(tmp_path: Path, name: str, text: str, field: str) -> None:
    with pytest.raises(InputError) as caught:
        load_profile(_write(tmp_path, name, text))
    assert any(p.field == field for p in caught.value.problems)
