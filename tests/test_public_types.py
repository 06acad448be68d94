"""The package is typed for its users: a user's type checker sees the public API's types.

Without ``ketadecide/py.typed`` a user's mypy treats the whole package as untyped (every
call returns ``Any``), so a typo in ``result.modality("iv").staus`` is found only when it
runs. Here mypy checks a small user script the way a user's project would: from another
folder, finding ketadecide where it is installed, so the test fails if the marker is gone
from the package or from the wheel, or if a public function's return type changes.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

#: What a user writes: every public name, and the type each call gives back.
USER_SCRIPT = """\
from typing import Any, assert_type

import ketadecide
from ketadecide import (
    BatchRun,
    BatchStream,
    InputError,
    KnowledgeBase,
    Problem,
    Profile,
    Result,
    RowError,
    Summary,
    evaluate,
    evaluate_many,
    load_knowledge_base,
    parse_profile,
    result_to_dict,
    stream_many,
)
from ketadecide.engine.result import ModalityResult

assert_type(ketadecide.__version__, str)
assert_type(ketadecide.SCHEMA_VERSION, int)

kb = load_knowledge_base()
assert_type(kb, KnowledgeBase)
profile = parse_profile({"age": 45})
assert_type(profile, Profile)
result = evaluate(profile, kb)
assert_type(result, Result)
assert_type(result.modality("iv"), ModalityResult)
assert_type(result_to_dict(result), dict[str, Any])

run = evaluate_many([profile], kb)
assert_type(run, BatchRun)
assert_type(run.errors, tuple[RowError, ...])
assert_type(run.summary, Summary)
assert_type(run.summary.to_dict(), dict[str, Any])
stream = stream_many([profile], kb)
assert_type(stream, BatchStream)
assert_type(stream.summary, Summary | None)


def first_problem(error: InputError) -> Problem:
    return error.problems[0]
"""

#: The same checks must be able to fail: a wrong claim is reported at its line.
WRONG_SCRIPT = """\
from typing import assert_type

from ketadecide import Profile, Result, evaluate, load_knowledge_base

assert_type(evaluate(Profile(age=45), load_knowledge_base()), Profile)
"""


def _mypy(folder: Path, *files: str) -> subprocess.CompletedProcess[str]:
    # Run in a folder of the user's (not ROOT), so ketadecide is found where it is
    # installed, as the user's own mypy would find it: with py.typed, or not at all.
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--no-error-summary", *files],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_users_type_checker_sees_the_public_api_types(tmp_path: Path) -> None:
    (tmp_path / "user.py").write_text(USER_SCRIPT, encoding="utf-8")
    (tmp_path / "wrong.py").write_text(WRONG_SCRIPT, encoding="utf-8")
    proc = _mypy(tmp_path, "user.py", "wrong.py")
    lines = [line for line in proc.stdout.splitlines() if ": error:" in line]
    # The user's script is clean (an untyped package would be an import-untyped error
    # here), and the one wrong claim is caught where it is made.
    assert [line for line in lines if line.startswith("user.py")] == [], proc.stdout + proc.stderr
    assert [re.match(r"wrong\.py:(\d+):", line) is not None for line in lines] == [True], proc.stdout
    assert lines[0].startswith("wrong.py:5:"), proc.stdout


def test_the_wheel_ships_the_typed_marker(tmp_path: Path) -> None:
    from hatchling.builders.wheel import WheelBuilder  # the pinned build backend

    wheels = list(WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"]))
    names = zipfile.ZipFile(wheels[0]).namelist()
    assert "ketadecide/py.typed" in names
    assert (ROOT / "ketadecide" / "py.typed").is_file()


def test_the_public_names_are_importable_and_listed() -> None:
    import ketadecide

    exported = set(ketadecide.__all__) - {"SCHEMA_VERSION", "__version__"}
    for name in sorted(exported):
        assert getattr(ketadecide, name) is not None, name
    # Every name the user script imports is in __all__ (the lazy table and the list agree).
    imported = re.search(r"from ketadecide import \((.*?)\)", USER_SCRIPT, re.S)
    assert imported is not None
    assert {n.strip() for n in imported.group(1).split(",") if n.strip()} == exported
