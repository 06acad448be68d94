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
    line: int | None = None
    """The physical line of a text file, where it differs from ``row`` (a CSV with a header)."""

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.row is not None:
            where.append(f"row {self.row}" + (f" (line {self.line})" if self.line is not None else ""))
        message = self.message
        if self.field and message.startswith("unknown field") and shown_name(self.field) is None:
            # An unknown key that is not even a name is content of some other file: not quoted.
            message = "a key that is not a field name (not shown; `ketadecide ids fields` lists the field names)"
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
            msg = "unknown field: not one this file may have"
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


def _norm(word: str) -> str:
    return re.sub(r"[\s\-]+", "_", word.strip().casefold())


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance with adjacent transpositions, stopping early past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def suggest(word: object, candidates: Iterable[str] | dict[str, str], *, limit: int = 3) -> list[str]:
    """The candidates ``word`` was probably meant to be (best first, at most ``limit``).

    ``candidates`` is a list of values, or a mapping ``{term: value}`` where the terms are
    other names for a value (plain names, brand names): ``{'xanax': 'benzodiazepine'}``.
    Matching ignores case, spaces and hyphens; a close spelling (about one edit in four
    letters) counts, and so does a term that starts with or equals the word.
    """
    if not isinstance(word, str) or not word.strip() or len(word) > 100:
        return []
    terms = candidates if isinstance(candidates, dict) else {c: c for c in candidates}
    key = _norm(word)
    scored: list[tuple[int, str]] = []
    allowed = max(1, len(key) // 4)
    for term, value in terms.items():
        t = _norm(term)
        if t == key:
            score = 0
        elif len(key) >= 3 and (t.startswith(key) or (key.startswith(t) and len(t) >= 3)):
            score = 1
        else:
            d = edit_distance(key, t, allowed)
            if d > allowed:
                continue
            score = 1 + d
        scored.append((score, value))
    out: list[str] = []
    for _, value in sorted(scored, key=lambda s: s[0]):
        if value not in out:
            out.append(value)
    return out[:limit]


def did_you_mean(word: object, candidates: Iterable[str] | dict[str, str], *, quote: str = "'") -> str:
    """``"; did you mean 'x'?"`` (or ``'x' or 'y'``), or ``""`` when nothing is close."""
    found = suggest(word, candidates)
    if not found:
        return ""
    return "; did you mean " + " or ".join(f"{quote}{f}{quote}" for f in found) + "?"


def interruption_behind(exc: BaseException | None) -> KeyboardInterrupt | None:
    """The interruption (Ctrl-C, or a SIGTERM/SIGHUP raised as one) that ``exc`` is, or was
    raised while handling, if any. A library that catches it in the middle of a call may raise
    or log its own error instead (py4j, talking to Spark's JVM, raises a network error and logs
    the broken pipe it finds while closing): the run was stopped, and is reported so."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
