"""The validated-data cache: a data directory is validated once per content, not per run.

Reading and validating the YAML knowledge base (plus the clinical floor's probes for a rule
file the test suite has not verified) is most of what a single comparison costs beyond
Python's own start-up. Its result depends only on the data files' bytes and on this
program's code, so after a successful load the validated records are written to
``<cache dir>/kb-<key>.json`` and later runs with the same files rebuild them without
parsing YAML or running a validator.

What makes this safe:

* The key is a SHA-256 over the data files' names and bytes *as validated* (the knowledge
  base's own ``sha256``) and a fingerprint of the code: ketadecide's version, Python's,
  pydantic's, and the size and modification time of every module of the package. Any edit
  to a data file or to the code is a miss, and a miss validates in full.
* Only a knowledge base that passed validation *and* the clinical floor is written. An
  entry holds clinical data only, never a profile or an answer (tested).
* The file carries a SHA-256 of its body; a damaged or truncated entry is ignored (and
  replaced), never trusted, and an entry may name model classes only from ketadecide's own
  model modules. The checksum guards against damage, not against the folder's owner
  editing an entry on purpose: the folder is theirs, as their data directory is.
* It is written atomically, readable by its owner only, in a folder only its owner can
  enter. ``KETADECIDE_NO_CACHE=1`` turns it off; ``KETADECIDE_CACHE_DIR`` moves it; deleting
  the folder is always safe (``ketadecide data cache --clear``).

The format is JSON with a few tags (``$m`` a model and its class, ``$t`` a tuple, ``$d`` a
date), not pickle: reading a cache file can never run code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import importlib
import json
import math
import os
import re
import secrets
import stat
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel

from ketadecide._version import __version__
from ketadecide.errors import InputError
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.files import MODEL_MODULES
from ketadecide.knowledge.loader import DataLayout, LazyExtras, cache_key, optional_texts
from ketadecide.knowledge.models import ContraindicationsFile, ModalitiesFile, Modality, Source, SourcesFile
from ketadecide.profile import ModalityId

#: Bumped when the entry format changes.
FORMAT = 3
#: The first word of a sealed entry.
MAGIC = "ketadecide-kb-3"
#: An entry larger than this is a miss, refused from its size without being read.
MAX_ENTRY_BYTES = 16 * 1024 * 1024
#: Entries kept; the oldest beyond this are removed when a new one is written.
MAX_ENTRIES = 16
_PACKAGE = Path(__file__).resolve().parent.parent


class Unsupported(ValueError):
    """A value the entry format does not represent exactly (the load is then not cached)."""


def cache_dir() -> Path | None:
    """Where entries live, or ``None`` when the cache is turned off."""
    if os.environ.get("KETADECIDE_NO_CACHE", "").strip() not in {"", "0"}:
        return None
    configured = os.environ.get("KETADECIDE_CACHE_DIR", "").strip()
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    if base and os.path.isabs(base):
        return Path(base) / "ketadecide"
    home = _home()
    return home / ".cache" / "ketadecide" if home else None  # no home: no cache


def code_fingerprint() -> str:
    """Changes whenever the program that validates could behave differently."""
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0{sys.version}\0".encode())
    import pydantic

    digest.update(pydantic.VERSION.encode())
    for path in sorted(_modules(_PACKAGE)):
        st = path.stat()
        digest.update(f"\0{path.relative_to(_PACKAGE)}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return digest.hexdigest()


def _modules(folder: Path) -> Iterator[Path]:
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
            yield from _modules(Path(entry.path))
        elif entry.name.endswith(".py"):
            yield Path(entry.path)


def entry_path(folder: Path, material: str) -> Path:
    """The entry for key material (:func:`ketadecide.knowledge.loader.cache_key`)."""
    key = hashlib.sha256(f"{code_fingerprint()}\0{material}".encode()).hexdigest()
    return folder / f"kb-{key[:32]}.json"


# ----------------------------------------------------------------------------- encoding


def encode(value: Any) -> Any:
    """``value`` as JSON-ready data that :func:`decode` turns back into an equal value."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Unsupported("a non-finite number")
        return value
    if isinstance(value, BaseModel):
        return _encode_model(value)
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$t": [encode(v) for v in value]}
    if isinstance(value, dt.datetime):
        raise Unsupported("a date and time")
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str) or key.startswith("$"):
                raise Unsupported(f"the mapping key {key!r}")
        return {key: encode(v) for key, v in value.items()}
    raise Unsupported(f"a {type(value).__name__}")


def _encode_model(model: BaseModel) -> dict[str, Any]:
    cls = type(model)
    if cls.__module__ not in MODEL_MODULES or "." in cls.__qualname__:
        raise Unsupported(f"the class {cls.__module__}.{cls.__qualname__}")
    names = tuple(cls.model_fields)
    if model.__pydantic_extra__ or model.__pydantic_private__ or set(model.__dict__) != set(names):
        raise Unsupported(f"{cls.__qualname__} holds more than its fields")
    out: dict[str, Any] = {"$m": f"{cls.__module__}:{cls.__qualname__}"}
    unset = [n for n in names if n not in model.model_fields_set]
    if unset:
        out["$u"] = unset
    for name in names:
        out[name] = encode(model.__dict__[name])
    return out


class Damaged(ValueError):
    """An entry that does not decode into what was written."""


def decode(text: str) -> Any:
    """The value :func:`encode` was given, from its JSON text."""
    try:
        return json.loads(text, object_hook=_decode_object)
    except (ValueError, TypeError, KeyError, AttributeError, ImportError, RecursionError) as exc:
        raise Damaged(str(exc)) from None


_CLASSES: dict[str, type[BaseModel]] = {}


def _model_class(name: str) -> type[BaseModel]:
    cls = _CLASSES.get(name)
    if cls is None:
        module, _, qualname = name.partition(":")
        if module not in MODEL_MODULES:
            raise Damaged(f"class from an unexpected module: {module}")
        found = getattr(importlib.import_module(module), qualname, None)
        if not (isinstance(found, type) and issubclass(found, BaseModel)):
            raise Damaged(f"not a model class: {name}")
        cls = _CLASSES[name] = found
    return cls


def _decode_object(obj: dict[str, Any]) -> Any:
    if "$m" in obj:
        cls = _model_class(obj.pop("$m"))
        unset = obj.pop("$u", ())
        if obj.keys() != cls.model_fields.keys():
            raise Damaged(f"{cls.__qualname__}: fields differ from the class")
        # What pydantic's model_construct does, without its per-field default handling:
        # every field is present, so this is the whole state of a validated instance.
        model = cls.__new__(cls)
        object.__setattr__(model, "__dict__", obj)
        object.__setattr__(model, "__pydantic_fields_set__", set(obj).difference(unset))
        object.__setattr__(model, "__pydantic_extra__", None)
        object.__setattr__(model, "__pydantic_private__", None)
        return model
    if "$t" in obj:
        return tuple(obj["$t"])
    if "$d" in obj:
        return dt.date.fromisoformat(obj["$d"])
    return obj


# ----------------------------------------------------------------------------- entries


def save(folder: Path, kb: KnowledgeBase) -> Path | None:
    """Write ``kb`` (validated, clinical floor passed) as an entry; ``None`` when it cannot
    be (no key, an unwritable folder, a value the format does not hold). Never raises for
    that: the cache only ever saves time."""
    key = _auth_key()
    if key is None:
        return None
    extras: dict[str, Any] = {}
    if isinstance(kb.extras, LazyExtras):
        for name in kb.extras:
            try:
                # Validated once: the run that uses a file gets this same model, and
                # validating here does not count the file toward the run's review date.
                model = kb.extras.validated(name)
            except InputError:  # an invalid optional file stays uncached and fails where it is used
                continue
            try:
                oldest = kb.extras.oldest_of(name)
                extras[name] = {"oldest": encode(oldest), "body": json.dumps(encode(model))}
            except Unsupported:
                return None
    # The three core files as the loader read them (KnowledgeBase.from_files splits them).
    sources = SourcesFile.model_construct(sources=kb.sources)
    modalities = ModalitiesFile.model_construct(
        treatment_resistance=kb.treatment_resistance,
        disclaimer=kb.disclaimer,
        modalities=cast(dict[ModalityId, Modality], kb.modalities),
    )
    contra = ContraindicationsFile.model_construct(
        crisis=kb.crisis,
        completeness=kb.completeness,
        conditions=kb.conditions,
        medications=kb.medications,
        screens=kb.screens,
        conflicts=kb.conflicts,
        stale_reading=kb.stale_reading,
        freshness=kb.freshness,
    )
    material = _material(kb)
    try:
        body = json.dumps(
            {
                "key": material,
                "code": code_fingerprint(),
                "files": list(kb.files),
                "sha256": kb.sha256,
                "overlay": [kb.overlay.sha256, list(kb.overlay.files)] if kb.overlay else None,
                "core_reviewed": encode(kb.core_reviewed),
                "sources": encode(sources),
                "modalities": encode(modalities),
                "contraindications": encode(contra),
                "extras": extras,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
    except Unsupported:
        return None
    data = _seal(key, body.encode("utf-8"))
    if len(data) > MAX_ENTRY_BYTES:
        return None
    target = entry_path(folder, material)
    try:
        _use_folder(folder)
        _write_new(folder, target, data)
    except OSError:  # see the docstring
        return None
    _prune(folder, keep=target)
    return target


def load(folder: Path, layout: DataLayout) -> KnowledgeBase | None:
    """The knowledge base of the entry for these data files, or ``None``: a miss, or an
    entry that fails any check (not this user's, too large, not sealed with this user's
    key, not for these files or this code, not what the format holds). Never raises."""
    key = _auth_key()
    if key is None:
        return None
    material = layout.key()
    body = _read_sealed(entry_path(folder, material), key)
    if body is None:
        return None
    try:
        return _rebuild(body, material, layout)
    except Exception:  # whatever is wrong with an entry, it is only a miss, never "a bug"
        return None


def _rebuild(body: bytes, material: str, layout: DataLayout) -> KnowledgeBase | None:
    entry = decode(body.decode("utf-8"))
    if entry["key"] != material or entry["code"] != code_fingerprint() or entry["sha256"] != layout.sha256():
        return None
    if tuple(entry["files"]) != tuple(sorted(layout.texts)):
        return None
    sources_file = entry["sources"]
    modalities_file = entry["modalities"]
    contra = entry["contraindications"]
    if not (
        isinstance(sources_file, SourcesFile)
        and isinstance(modalities_file, ModalitiesFile)
        and isinstance(contra, ContraindicationsFile)
        and isinstance(entry["core_reviewed"], dt.date)
    ):
        return None
    sources: dict[str, Source] = dict(sources_file.sources)
    extras = CachedExtras(layout.directory, layout.texts, entry["extras"], contra, sources, **layout.extras_args())
    overlay = layout.overlay_info()
    return KnowledgeBase.from_files(
        data_dir=layout.directory,
        files=tuple(entry["files"]),
        sha256=layout.sha256(),
        reviewed=entry["core_reviewed"],
        sources=sources,
        modalities_file=modalities_file,
        contraindications_file=contra,
        extras=extras,
        overlay=overlay,
        synthetic=layout.synthetic,
    )


def _material(kb: KnowledgeBase) -> str:
    return cache_key(kb.sha256, kb.overlay.sha256 if kb.overlay else None)


# ----------------------------------------------------------------------------- authentication
#
# Threat model (README "Your clinic's own data"): another local user who can write the
# cache folder (a shared KETADECIDE_CACHE_DIR). They can add, remove, rename and link files
# there, but cannot make a file owned by this user, nor read this user's key, which lives
# outside the cache folder in a private state folder. So an entry counts only when it is a
# regular file owned by this user, no larger than MAX_ENTRY_BYTES, and sealed with an HMAC
# under that key over its whole body, which names the files and code it was built from.


def _state_dir() -> Path | None:
    """The private folder the key lives in; ``None`` without a home to put it in."""
    base = os.environ.get("XDG_STATE_HOME", "").strip()
    if base and os.path.isabs(base) and os.path.isdir(base):
        return Path(base) / "ketadecide"
    home = _home()
    return home / ".local" / "state" / "ketadecide" if home else None


def _home() -> Path | None:
    try:
        home = Path.home()
    except (RuntimeError, KeyError):  # no home directory (a bare container)
        return None
    return home if home.is_dir() else None  # never create anything under a missing home


_KEY: list[bytes] = []


def _auth_key() -> bytes | None:
    """This user's cache key (created once, 0600 in a 0700 folder of theirs), or ``None``."""
    if _KEY:
        return _KEY[0]
    folder = _state_dir()
    if folder is None:
        return None
    path = folder / "cache-key"
    try:
        key = _read_key(path)
        if key is None:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not _private(folder):
                return None
            with contextlib.suppress(FileExistsError):
                _write_new(folder, path, secrets.token_bytes(32), replace=False)
            key = _read_key(path)
    except OSError:
        return None
    if key is not None:
        _KEY.append(key)
    return key


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or stat.S_IMODE(st.st_mode) & 0o077:
            raise PermissionError(f"{path} is not a private file of this user")
        key = os.read(fd, 64)
    finally:
        os.close(fd)
    if len(key) != 32 or not _private(path.parent):
        raise PermissionError(f"{path} is not this user's cache key")
    return key


def _private(folder: Path) -> bool:
    st = os.lstat(folder)
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not stat.S_IMODE(st.st_mode) & 0o077


def _seal(key: bytes, body: bytes) -> bytes:
    mac = hmac.new(key, body, hashlib.sha256).hexdigest()
    return f"{MAGIC} {mac}\n".encode() + body


def _read_sealed(path: Path, key: bytes) -> bytes | None:
    """The body of a sealed entry, or ``None`` (absent, not ours, too large, a link, or not
    sealed with ``key``). A large entry is refused from its size, never read whole."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_size > MAX_ENTRY_BYTES:
            return None
        chunks = []
        left = MAX_ENTRY_BYTES + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > MAX_ENTRY_BYTES:
        return None
    header, _, body = data.partition(b"\n")
    magic, _, mac = header.decode("ascii", "replace").partition(" ")
    if magic != MAGIC or not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).hexdigest()):
        return None
    return body


# ----------------------------------------------------------------------------- files


def _use_folder(folder: Path) -> None:
    """Create the cache folder (0700) if it is missing; an existing folder is used as it is
    (never chmod-ed: it may be shared on purpose) if it is a real folder, not a link."""
    if not os.path.lexists(folder):
        if not folder.parent.is_dir():
            raise FileNotFoundError(f"{folder.parent} does not exist")  # create one level only
        folder.mkdir(mode=0o700)
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(f"{folder} is not a folder")


def _write_new(folder: Path, target: Path, data: bytes, *, replace: bool = True) -> None:
    """Write ``data`` to a new private temporary file in ``folder`` (never following a link,
    never reusing a name), then rename it over ``target``: a link at ``target`` is replaced,
    its target never written. With ``replace=False`` an existing ``target`` wins."""
    tmp = folder / f".kb-tmp-{secrets.token_hex(8)}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if replace:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)  # fails if target exists (another process made the key first)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


_ENTRY_NAME = re.compile(r"^kb-[0-9a-f]{32}\.json$")


def _own_entries(folder: Path) -> list[tuple[Path, os.stat_result]]:
    """Regular files named like entries and owned by this user (links and others' skipped)."""
    found = []
    try:
        with os.scandir(folder) as listing:
            for item in listing:
                if not _ENTRY_NAME.match(item.name):
                    continue
                with contextlib.suppress(OSError):
                    st = item.stat(follow_symlinks=False)
                    if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid():
                        found.append((Path(item.path), st))
    except OSError:
        return []
    return sorted(found, key=lambda p: p[1].st_mtime, reverse=True)


def _prune(folder: Path, *, keep: Path) -> None:
    for old, _ in [e for e in _own_entries(folder) if e[0] != keep][MAX_ENTRIES - 1 :]:
        with contextlib.suppress(OSError):
            old.unlink()


def entries(folder: Path) -> list[Path]:
    """This user's entries, newest first (for ``ketadecide data cache``)."""
    return [path for path, _ in _own_entries(folder)]


def clear(folder: Path) -> int:
    """Remove the entries this tool wrote (this user's, sealed with this user's key); the
    number removed. Anything else in the folder is left alone."""
    key = _auth_key()
    removed = 0
    for path, _ in _own_entries(folder):
        if key is None or _read_sealed(path, key) is None:
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


class CachedExtras(LazyExtras):
    """The optional data files of a cached knowledge base: each decoded from the entry when
    first needed. A file with no entry (it failed validation when the entry was written)
    is validated from its text then, and so fails where it is used, as without the cache."""

    def __init__(
        self,
        directory: Path,
        texts: Mapping[str, str],
        cached: Mapping[str, Any],
        contra: ContraindicationsFile,
        sources: dict[str, Source],
        *,
        defaults: Mapping[str, str] | None = None,
        clinic: Mapping[str, str] | None = None,
        overlay_mode: bool = False,
    ) -> None:
        super().__init__(directory, optional_texts(texts), contra, sources, defaults=defaults, clinic=clinic)
        self._overlay_mode = overlay_mode
        self._cached = dict(cached)
        self._oldest: dict[str, dt.date | None] = {}

    def __contains__(self, name: object) -> bool:
        # Mapping's own would decode the file just to answer; using it decodes it anyway.
        return name in self._texts

    def _load(self, name: str) -> BaseModel:
        record = self._cached.get(name)
        if record is not None:
            try:
                model = decode(record["body"])
                if isinstance(model, BaseModel):
                    self._oldest[name] = record["oldest"]  # decoded with the entry
                    return model
            except (Damaged, KeyError, TypeError):
                pass
        return super()._load(name)

    def oldest_of(self, name: str) -> dt.date | None:
        return self._oldest[name] if name in self._oldest else super().oldest_of(name)
