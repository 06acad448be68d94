"""The cache can never weaken a verdict (issue 21): whatever is in the cache folder, a run's
knowledge base is what the installed bundled data plus the clinic's files give.

The attacker assumed is another local user who can write a shared cache folder: they can
edit, re-seal, rename, link and grow files there, but cannot read this user's key (kept
outside the folder) nor make a file owned by this user. Each entry that fails a check is a
miss (a full validation), never an error."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from pathlib import Path

import pytest

from ketadecide.compare import evaluate
from ketadecide.floor import load_knowledge_base
from ketadecide.knowledge import cache, loader
from ketadecide.profile import parse_profile
from tests.conftest import DATA_DIR

ALLERGY = {
    "age": 40,
    "diagnoses": ["mdd"],
    "pregnancy": "none",
    "suicidality": "none",
    "conditions": ["ketamine_hypersensitivity"],
    "medications": [],
}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("KETADECIDE_CACHE_DIR", str(where))
    monkeypatch.delenv("KETADECIDE_NO_CACHE", raising=False)
    return where


def _entry(folder: Path) -> Path:
    return cache.entry_path(folder, loader.read_layout(DATA_DIR)[0].key())


def _statuses() -> set[str]:
    kb = load_knowledge_base(DATA_DIR)
    return {m.status for m in evaluate(parse_profile(ALLERGY), kb).modalities}


def _poisoned_body(entry: Path) -> str:
    """The entry's body with the allergy rule made harmless and the crisis message softened."""
    body = entry.read_bytes().partition(b"\n")[2].decode()
    data = json.loads(body)
    rule = data["contraindications"]["conditions"]["ketamine_hypersensitivity"]
    rule["severity"] = dict.fromkeys(rule["severity"], "info")
    data["contraindications"]["crisis"]["patient"] = "No need to call 988."
    return json.dumps(data)


def test_an_edited_entry_resealed_with_a_plain_checksum_is_a_miss(folder: Path) -> None:
    load_knowledge_base(DATA_DIR)
    entry = _entry(folder)
    body = _poisoned_body(entry)
    entry.write_text(hashlib.sha256(body.encode()).hexdigest() + "\n" + body)  # the 0.3.0 seal
    assert _statuses() == {"contraindicated"}


def test_an_edited_entry_resealed_with_another_key_is_a_miss(folder: Path) -> None:
    load_knowledge_base(DATA_DIR)
    entry = _entry(folder)
    body = _poisoned_body(entry).encode()
    entry.write_bytes(cache._seal(b"k" * 32, body))  # the attacker's own key
    assert _statuses() == {"contraindicated"}
    kb = load_knowledge_base(DATA_DIR)
    assert "988" in kb.crisis.patient and "No need" not in kb.crisis.patient


def test_an_entry_of_another_user_is_a_miss_even_when_sealed_right(folder: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root; the uid check is exercised by the other tests' own files")
    load_knowledge_base(DATA_DIR)
    entry = _entry(folder)
    entry.write_bytes(cache._seal(cache._auth_key() or b"", _poisoned_body(entry).encode()))
    os.chown(entry, 12345, 12345)
    assert _statuses() == {"contraindicated"}


def test_an_entry_sealed_right_but_holding_wrong_types_is_a_miss_not_a_bug(folder: Path) -> None:
    load_knowledge_base(DATA_DIR)
    entry = _entry(folder)
    data = json.loads(entry.read_bytes().partition(b"\n")[2])
    data["contraindications"]["conditions"] = 5
    key = cache._auth_key()
    assert key is not None
    entry.write_bytes(cache._seal(key, json.dumps(data).encode()))
    assert _statuses() == {"contraindicated"}


def test_a_symlinked_entry_is_never_followed(folder: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    folder.mkdir()
    entry = _entry(folder)
    entry.symlink_to(victim)
    load_knowledge_base(DATA_DIR)  # a miss (a link is never read), then a save
    assert victim.read_text() == "precious\n"
    assert entry.is_file() and not entry.is_symlink(), "the link itself was replaced"
    # A link planted over a valid entry is not read either.
    good = tmp_path / "good.json"
    good.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(good)
    assert cache.load(folder, loader.read_layout(DATA_DIR)[0]) is None


def test_an_entry_above_the_size_bound_is_a_miss_without_reading_it(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder.mkdir()
    entry = _entry(folder)
    with open(entry, "wb") as fh:
        fh.truncate(cache.MAX_ENTRY_BYTES + 1)  # sparse: large, but cheap to make
    reads: list[int] = []
    real = os.read

    def counting(fd: int, n: int) -> bytes:
        reads.append(n)
        return real(fd, n)

    monkeypatch.setattr(os, "read", counting)
    started = time.perf_counter()
    assert cache.load(folder, loader.read_layout(DATA_DIR)[0]) is None
    assert time.perf_counter() - started < 1
    assert sum(reads) <= 64, "refused from its size: only the key was read"


def test_clear_removes_only_the_entries_this_tool_wrote(folder: Path) -> None:
    load_knowledge_base(DATA_DIR)
    foreign = folder / ("kb-" + "0" * 32 + ".json")
    foreign.write_text("someone else's file\n")
    other = folder / "notes.txt"
    other.write_text("keep\n")
    assert cache.clear(folder) == 1
    assert foreign.exists() and other.exists()
    assert not _entry(folder).exists()


def test_an_existing_shared_folder_is_never_chmodded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    monkeypatch.setenv("KETADECIDE_CACHE_DIR", str(shared))
    load_knowledge_base(DATA_DIR)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    (entry,) = cache.entries(shared)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_nothing_is_created_under_a_home_that_does_not_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "nonexistent"
    for name in ("KETADECIDE_CACHE_DIR", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(cache, "_KEY", [])
    assert cache.cache_dir() is None
    assert cache._auth_key() is None
    load_knowledge_base(DATA_DIR)
    assert not home.exists()


def test_the_key_lives_outside_the_cache_folder_and_is_private(folder: Path) -> None:
    load_knowledge_base(DATA_DIR)
    state = cache._state_dir()
    assert state is not None
    key_file = state / "cache-key"
    assert key_file.is_file() and folder not in key_file.parents
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert not any(p.name == "cache-key" for p in folder.iterdir())


def test_a_renamed_entry_of_other_files_is_a_miss(folder: Path, tmp_path: Path) -> None:
    """A valid entry of another data directory, renamed to this one's key, names its files."""
    other = tmp_path / "clinic"
    other.mkdir()
    (other / "overlay.yaml").write_text('base: "0.8.0"\n')
    (other / "contraindications.yaml").write_text(
        "conditions:\n  psychosis_history:\n    severity: {spravato: absolute}\n"
    )
    load_knowledge_base(other)
    (entry,) = cache.entries(folder)
    entry.rename(_entry(folder))
    kb = load_knowledge_base(DATA_DIR)
    assert kb.overlay is None and kb.conditions["psychosis_history"].severity["spravato"] != "absolute"
