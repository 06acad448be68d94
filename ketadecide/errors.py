"""Errors that carry enough context to name the file, row and field at fault.

The CLI turns :class:`InputError` into exit code 2 with one line per problem and no
traceback (CONTRACT §4). Everything else is an internal error (exit 1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: What a field or column name looks like. A key that does not is not echoed in a message:
#: it is more likely a line of some other file (``--profile /etc/shadow``) than a typo.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\[[0-9]+\]|\.[A-Za-z_][A-Za-z0-9_]*)*$")


def shown_name(key: object) -> str | None:
    """``key`` when it looks like a field name or a key path (``conditions.x.severity``,
    ``phq9[0]``), else None (not to be quoted back)."""
    return key if isinstance(key, str) and len(key) <= 200 and _NAME.match(key) else None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    message: str
    """What is wrong, in words a user can act on."""
    source: str | None = None
    """The file (or ``<stdin>``) the problem is in."""
    field: str | None = None
    """The field or key path, e.g. ``age`` or ``modalities.iv.coverage.medicare``."""
    row: int | None = None
    """1-based record number in a batch input (the CSV header not counted)."""

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.row is not None:
            where.append(f"row {self.row}")
        message = self.message
        if self.field and message.startswith("unknown field") and shown_name(self.field) is None:
            # An unknown key that is not even a name is content of some other file: not quoted.
            message = "a key that is not a field name (not shown; expected CONTRACT §1 field names)"
        elif self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {message}" if prefix else message


class KetadecideError(Exception):
    """Base class of the package's own errors."""


class InputError(KetadecideError):
    """Bad input from the user: a profile, a data directory, a batch file, a bundle."""

    def __init__(self, problems: Sequence[Problem] | Problem) -> None:
        if isinstance(problems, Problem):
            problems = [problems]
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def with_source(self, source: str) -> InputError:
        """The same problems, each attributed to ``source`` where none was named."""
        return InputError([p if p.source else Problem(p.message, source, p.field, p.row) for p in self.problems])


class ResourceError(KetadecideError):
    """The run needed more than it may use (memory, say). Not the input's fault and not a
    bug; the message names the limit and holds no input values, so it can be shown."""


class EnvironmentFailure(KetadecideError):
    """The environment failed us: a full disk, a read-only file system, a closed or
    unwritable output. Exit 1 with one line naming the path and the system's reason (the
    message holds no input values)."""


#: At most this many problems are printed for one command; the rest are counted.
MAX_REPORTED = 20


def capped(problems: Sequence[Problem], limit: int = MAX_REPORTED) -> list[Problem]:
    """The first ``limit`` problems, then one that says how many more there are.

    A hostile file can hold a hundred thousand unknown keys; a screenful of them helps,
    the rest would only bury the first. The summary names the same file as the first
    problem left out.
    """
    if len(problems) <= limit:
        return list(problems)
    rest = problems[limit:]
    return [*problems[:limit], Problem(f"... and {len(rest)} more problem(s) not shown", rest[0].source)]


def problems_from_pydantic(
    errors: Iterable[dict[str, object]],
    *,
    source: str | None = None,
    prefix: str = "",
    row: int | None = None,
) -> list[Problem]:
    """Translate pydantic's error dicts into located problems.

    pydantic reports ``loc`` as a tuple of keys and indexes; we render it as a dotted
    key path (``coverage.medicare.sources[0]``) because that is how the YAML reads.
    """
    out: list[Problem] = []
    for err in errors:
        loc = err.get("loc", ())
        path = prefix
        previous: object = None
        if isinstance(loc, tuple | list):
            for part in loc:
                # pydantic puts the tag of a union member into the location; it is not a key
                # of the data, so we drop it (and the repeat it makes of keys such as 'any').
                tag = str(part)
                if tag == "compare" or tag.startswith("function-") or part == previous:
                    previous = part
                    continue
                previous = part
                if isinstance(part, int):
                    path += f"[{part}]"
                else:
                    path = f"{path}.{part}" if path else tag
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        etype = err.get("type")
        if etype == "extra_forbidden":
            msg = "unknown field (not in the contract)"
        elif etype == "missing":
            msg = "required field is missing"
        if "input" in err and etype not in {"missing", "extra_forbidden"}:
            shown = _short_repr(err["input"])
            if shown is not None:
                msg = f"{msg} (got {shown})"
        out.append(Problem(msg, source=source, field=path or None, row=row))
    return out


def _short_repr(value: object) -> str | None:
    if isinstance(value, dict | list) and len(value) > 3:
        return None
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
