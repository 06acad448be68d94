"""The validated-data cache: a hit gives exactly what validating the YAML gives, and any
doubt (an edited file, other code, a damaged or foreign entry, invalid data) means a full
validation. Entries are private and hold clinical data only."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.compare import evaluate
from ketadecide.errors import InputError
from ketadecide.floor import load_knowledge_base
from ketadecide.knowledge import cache, loader
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import parse_profile
from ketadecide.render.json import result_to_dict
from tests.conftest import DATA_DIR, clinic_data

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))
CORE_FIELDS = (
    "files",
    "sha256",
    "core_reviewed",
    "sources",
    "modalities",
    "treatment_resistance",
    "disclaimer",
    "crisis",
    "completeness",
    "conditions",
    "medications",
    "screens",
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own."""
    where = tmp_path / "cache"
    monkeypatch.setenv("KETADECIDE_CACHE_DIR", str(where))
    monkeypatch.delenv("KETADECIDE_NO_CACHE", raising=False)
    return where


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every data file parsed from YAML (none on a hit)."""
    parsed: list[str] = []
    real = loader._validate_raw

    def spy(path: Path, raw: Any, model: Any) -> Any:
        parsed.append(path.name)
        return real(path, raw, model)

    monkeypatch.setattr(loader, "_validate_raw", spy)
    return parsed


def _validated(data_dir: Path = DATA_DIR) -> KnowledgeBase:
    report = loader.validate_files(data_dir, check_freshness=False, lazy_extras=True)
    assert report.knowledge_base is not None, report.errors
    return report.knowledge_base


def test_a_hit_rebuilds_exactly_what_validation_gives(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_knowledge_base(DATA_DIR)
    assert isinstance(first.extras, loader.LazyExtras), "the first load validates"
    assert len(cache.entries(folder)) == 1
    parsed = _no_yaml(monkeypatch)
    hit = load_knowledge_base(DATA_DIR)
    assert isinstance(hit.extras, cache.CachedExtras)
    for name in hit.extras:
        hit.extras[name]
    assert parsed == [], "a hit parses no YAML"
    reference = _validated()
    for name in CORE_FIELDS:
        assert getattr(hit, name) == getattr(reference, name), name
    for name in reference.extras:
        assert hit.extras[name] == reference.extras[name], name
        assert type(hit.extras[name]) is type(reference.extras[name])


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_golden_case_gives_the_same_result_from_the_cache(path: Path, folder: Path) -> None:
    load_knowledge_base(DATA_DIR)  # fill
    hit = load_knowledge_base(DATA_DIR)
    assert isinstance(hit.extras, cache.CachedExtras)
    reference = _validated()
    for case in _cases(path):
        profile = parse_profile(case["profile"])
        assert result_to_dict(evaluate(profile, hit)) == result_to_dict(evaluate(profile, reference)), case["name"]
        assert hit.reviewed == reference.reviewed, "a feature's files count toward the review date alike"


def _cases(path: Path) -> list[dict[str, Any]]:
    from ketadecide.safeyaml import load_yaml

    data = load_yaml(path.read_text(), str(path))
    return data if isinstance(data, list) else [data]


def test_the_entry_is_private_and_holds_no_answers(folder: Path, tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("id: zq-private-7731\nage: 47\nsuicidality: none\nbp_systolic: 173\nbp_diastolic: 97\n")
    result = CliRunner().invoke(app, ["compare", "-p", str(profile), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    (entry,) = cache.entries(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    text = entry.read_text()
    assert "zq-private-7731" not in text
    assert str(profile) not in text and str(tmp_path) not in text


def test_any_edit_to_a_data_file_is_a_miss(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = clinic_data(tmp_path)
    load_knowledge_base(data)
    text = (data / "modalities.yaml").read_text()
    (data / "modalities.yaml").write_text(text + "\n# one more line\n")
    parsed = _no_yaml(monkeypatch)
    kb = load_knowledge_base(data)
    assert "modalities.yaml" in parsed
    assert kb.sha256 == _validated(data).sha256
    assert len(cache.entries(folder)) == 2


def test_other_code_is_a_miss(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_knowledge_base(DATA_DIR)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another build")
    parsed = _no_yaml(monkeypatch)
    load_knowledge_base(DATA_DIR)
    assert parsed, "an entry written by other code is not used"


def test_invalid_data_is_never_cached(folder: Path, tmp_path: Path) -> None:
    data = clinic_data(tmp_path)
    (data / "modalities.yaml").write_text((DATA_DIR / "modalities.yaml").read_text() + "\nnot_a_section: 1\n")
    with pytest.raises(InputError):
        load_knowledge_base(data)
    assert cache.entries(folder) == []


def test_a_floor_breach_is_never_cached(folder: Path, tmp_path: Path) -> None:
    data = clinic_data(
        tmp_path, "contraindications.yaml", "call or text 988 to\n    reach", "no need to call 988 to\n    reach"
    )
    with pytest.raises(InputError, match="crisis"):
        load_knowledge_base(data)
    assert cache.entries(folder) == []


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda t: t[: len(t) // 2], id="truncated"),
        pytest.param(lambda t: t.replace('"dose', '"Dose', 1), id="edited-without-checksum"),
        pytest.param(lambda t: "0" * 64 + t[64:], id="wrong-checksum"),
        pytest.param(lambda t: "", id="empty"),
        pytest.param(lambda t: t + "\x00", id="trailing-byte"),
    ],
)
def test_a_damaged_entry_is_ignored_and_replaced(damage: Any, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_knowledge_base(DATA_DIR)
    (entry,) = cache.entries(folder)
    entry.write_text(damage(entry.read_text()))
    parsed = _no_yaml(monkeypatch)
    kb = load_knowledge_base(DATA_DIR)
    assert parsed, "a damaged entry means a full validation"
    assert kb.sha256 == _validated().sha256
    assert cache.load(folder, loader.read_layout(DATA_DIR)[0]) is not None, "rewritten"


def _resealed(body: str) -> str:
    import hashlib

    return hashlib.sha256(body.encode()).hexdigest() + "\n" + body


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"ketadecide.knowledge.models:', '"os:'),  # a class outside the model modules
        ('"ketadecide.knowledge.models:Source"', '"ketadecide.knowledge.models:unknown_ids"'),  # not a class
        ('"reviewed":{"$d":"', '"reviewed":{"$d":"x'),  # not a date
        ('"sources":{', '"sources":' + "[" * 100_000 + "]" * 100_000 + ',"x":{'),  # nested beyond recursion
    ],
)
def test_a_well_sealed_but_foreign_entry_is_not_trusted(
    old: str, new: str, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_knowledge_base(DATA_DIR)
    (entry,) = cache.entries(folder)
    body = entry.read_text().partition("\n")[2]
    assert old in body
    entry.write_text(_resealed(body.replace(old, new, 1)))
    parsed = _no_yaml(monkeypatch)
    load_knowledge_base(DATA_DIR)
    assert parsed


def test_off_means_nothing_written(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETADECIDE_NO_CACHE", "1")
    assert cache.cache_dir() is None
    load_knowledge_base(DATA_DIR)
    assert not folder.exists()


def test_no_home_directory_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KETADECIDE_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache.cache_dir() is None
    assert load_knowledge_base(DATA_DIR).sha256 == _validated().sha256


def test_relative_xdg_cache_home_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KETADECIDE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / ".cache" / "ketadecide"


def test_an_unwritable_cache_never_stops_a_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KETADECIDE_CACHE_DIR", str(blocker / "cache"))
    kb = load_knowledge_base(DATA_DIR)
    assert kb.sha256 == _validated().sha256


def test_a_cache_folder_of_another_user_or_a_symlink_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    monkeypatch.setenv("KETADECIDE_CACHE_DIR", str(link))
    load_knowledge_base(DATA_DIR)
    assert list(real.iterdir()) == [], "no entry through a symlinked folder"


def test_without_the_floor_the_cache_is_not_used(folder: Path) -> None:
    load_knowledge_base(DATA_DIR, clinical_floor=False)
    assert not folder.exists()


def test_an_invalid_optional_file_fails_where_it_is_used_as_without_the_cache(folder: Path, tmp_path: Path) -> None:
    data = clinic_data(tmp_path)
    (data / "questions.yaml").write_text((DATA_DIR / "questions.yaml").read_text() + "\nnot_a_section: 1\n")
    first = load_knowledge_base(data)  # compare never reads questions.yaml
    (entry,) = cache.entries(folder)
    assert '"questions.yaml"' not in entry.read_text().partition("\n")[2].split('"extras":', 1)[1]
    hit = load_knowledge_base(data)
    assert isinstance(hit.extras, cache.CachedExtras)
    for kb in (first, hit):
        with pytest.raises(InputError) as caught:
            kb.extras["questions.yaml"]
        assert "questions.yaml" in str(caught.value)


def test_old_entries_are_pruned(folder: Path, tmp_path: Path) -> None:
    for i in range(cache.MAX_ENTRIES + 3):
        data = tmp_path / f"d{i}"
        if not data.exists():
            import shutil

            shutil.copytree(DATA_DIR, data)
        (data / "sources.yaml").write_text((DATA_DIR / "sources.yaml").read_text() + f"\n# {i}\n")
        load_knowledge_base(data)
        entries = cache.entries(folder)
        os.utime(entries[0], (1_000_000 + i, 1_000_000 + i))
    assert len(cache.entries(folder)) == cache.MAX_ENTRIES


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), {1: "x"}, {"$m": "x"}, {"a"}, b"bytes", object()],
    ids=["nan", "inf", "int-key", "tag-key", "set", "bytes", "object"],
)
def test_values_the_format_cannot_hold_exactly_are_refused(value: Any) -> None:
    with pytest.raises(cache.Unsupported):
        cache.encode(value)


def test_encoding_round_trips_the_shapes_it_accepts() -> None:
    import datetime as dt

    value = {"a": (1, 2.5, "x", None, True), "b": [dt.date(2026, 1, 2), {"c": ()}], "d": []}
    assert cache.decode(json.dumps(cache.encode(value))) == value


def test_data_cache_command_shows_and_clears(folder: Path) -> None:
    runner = CliRunner()
    load_knowledge_base(DATA_DIR)
    shown = runner.invoke(app, ["data", "cache"])
    assert shown.exit_code == 0
    assert str(folder) in shown.stdout and "1 entry" in shown.stdout
    cleared = runner.invoke(app, ["data", "cache", "--clear"])
    assert cleared.exit_code == 0 and "Removed 1 entry" in cleared.stdout
    assert cache.entries(folder) == []
    off = runner.invoke(app, ["data", "cache"], env={"KETADECIDE_NO_CACHE": "1"})
    assert off.exit_code == 0 and "off" in off.stdout


def test_a_miss_validates_each_file_once(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = _no_yaml(monkeypatch)
    kb = load_knowledge_base(DATA_DIR)  # a miss: validates every file, then writes the entry
    for name in kb.extras:
        kb.extras[name]  # what a feature does: the model validated for the entry, not again
    assert sorted(parsed) == sorted(set(parsed)), "a data file was parsed twice"
    assert set(parsed) == set(kb.files)
