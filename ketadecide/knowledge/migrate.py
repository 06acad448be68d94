"""From a clinic's full copy of ``data/`` to the minimal overlay that keeps what may be kept.

Before overlays, a clinic held a full copy of the bundled data directory and edited it. This
works out, file by file, what the copy adds or changes relative to the installed bundled
data, keeps each difference the overlay rules allow (additions, tightenings, local prices)
and leaves out, and reports, each one they refuse (a lowered severity, a reworded label
text, more generous coverage, ...). Nothing is printed here: ``ketadecide data overlay``
shows the result.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketadecide.errors import InputError, Problem
from ketadecide.knowledge import files
from ketadecide.knowledge.loader import bundled_locked_fields, default_data_dir
from ketadecide.knowledge.overlay import OVERLAY_FILE, merge_file, minimal_overlay
from ketadecide.safeyaml import load_yaml, read_text


@dataclass(frozen=True)
class Migration:
    """The overlay worked out from a full copy."""

    files: dict[str, str]
    """File name -> YAML text of the overlay (``overlay.yaml`` included)."""
    left_out: tuple[Problem, ...]
    """Differences of the copy that would loosen the bundled data, so are not kept."""


def migrate(copy: Path, base: str) -> Migration:
    """The minimal overlay of the full copy ``copy``, written against bundled release ``base``."""
    bundled = default_data_dir()
    out: dict[str, str] = {
        OVERLAY_FILE: f"# Written by `ketadecide data overlay` from {copy.name}.\nbase: {_scalar(base)}\n"
    }
    left_out: list[Problem] = []
    for spec in (*files.REQUIRED, *files.OPTIONAL):
        path = copy / spec.name
        if not path.exists():
            continue
        theirs = load_yaml(read_text(path, regular_only=True), str(path))
        ours = load_yaml(read_text(bundled / spec.name, regular_only=True), str(bundled / spec.name))
        diff = minimal_overlay(ours, theirs)
        locked = bundled_locked_fields() if spec is files.QUESTIONS else frozenset()
        for _ in range(50):  # each round drops the refused keys; a few rounds at most
            if diff is None:
                break
            _, problems = merge_file(spec.name, str(path), ours, diff, locked)
            if not problems:
                break
            left_out.extend(problems)
            for problem in problems:
                diff = _drop(diff, (problem.field or "").split("."))
        if diff:
            out[spec.name] = f"# What {copy.name}/{spec.name} adds to or tightens in the bundled data.\n" + to_yaml(
                diff
            )
    return Migration(out, tuple(left_out))


def _drop(tree: Any, path: list[str]) -> Any:
    """``tree`` without the value at ``path`` (dict keys, or ``id`` of list items);
    containers left empty go too, and ``None`` means nothing is left."""
    if not path or path == [""]:
        return None
    head, rest = path[0], path[1:]
    if isinstance(tree, dict) and head in tree:
        value = _drop(tree[head], rest) if rest else None
        out = {k: v for k, v in tree.items() if k != head}
        if value is not None:
            out[head] = value
        return _only_id(out)
    if isinstance(tree, list):
        items = []
        for item in tree:
            kept = item
            if isinstance(item, dict) and item.get("id") == head:
                kept = _drop(item, rest) if rest else None
            if kept is not None:
                items.append(kept)
        return items or None
    return tree


def _only_id(record: dict[str, Any]) -> dict[str, Any] | None:
    return None if not record or set(record) == {"id"} else record


# ------------------------------------------------------------------ a small YAML writer


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML for parsed data (strings written as JSON strings, which YAML reads)."""
    pad = " " * indent
    if isinstance(value, dict):
        lines = []
        for name, item in value.items():
            plain = isinstance(name, str) and _PLAIN_KEY.fullmatch(name) and name.lower() not in _YAML_WORDS
            key = name if plain else json.dumps(str(name))
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:\n{to_yaml(item, indent + 2)}")
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}\n")
        return "".join(lines)
    if isinstance(value, list):
        lines = []
        for item in value:
            if isinstance(item, dict | list) and item:
                inner = to_yaml(item, indent + 2)
                lines.append(f"{pad}- {inner[indent + 2 :]}")
            else:
                lines.append(f"{pad}- {_scalar(item)}\n")
        return "".join(lines)
    return f"{pad}{_scalar(value)}\n"


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
#: Plain words YAML reads as something other than a string: such keys are quoted.
_YAML_WORDS = frozenset({"null", "true", "false", "yes", "no", "on", "off", "y", "n", "~"})


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return "{}" if isinstance(value, dict) else "[]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    raise InputError(Problem(f"cannot write a {type(value).__name__} as YAML"))
