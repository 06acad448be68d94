"""Safe, strict YAML and JSON reading shared by profiles and data files.

Safe loading only (no object tags), and stricter than PyYAML's default in three ways
that matter for clinical data: a duplicate key is an error rather than the last value
silently winning, anchors/aliases are refused (they are how "billion laughs" bombs
are built and a profile never needs them), and input is size-limited and must be UTF-8.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from ketadecide.errors import InputError, Problem
from ketadecide.files import open_for_reading, reading_error

#: Deeper than any real profile or data file needs; deeper documents are rejected so
#: nothing downstream can hit Python's recursion limit on hostile input.
MAX_DEPTH = 32

#: Larger than any real profile or knowledge-base file by two orders of magnitude.
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024

#: Lines plus flow items (``,``, ``[``, ``{``) a YAML document may have. Building a node
#: costs PyYAML a few microseconds, so this, not the byte size, is what keeps a dense
#: hostile document under a second; the largest shipped data file has about 1,600.
MAX_YAML_ITEMS = 25_000

_BRACKETS = re.compile(r"[\[\]{}]")
_LEADING_INDICATORS = re.compile(r"(?:(?:[-?:]|[!&][^ ]*) +)+")

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader that rejects duplicate keys and aliases."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # A node constructed twice can only be reached through an alias.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases (&, *) are not allowed", node.start_mark
            )
        return super().construct_object(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        # PyYAML raises a bare ValueError (no line) for an impossible date like 2026-02-30.
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"'{node.value}' is not a valid date ({exc})", node.start_mark
            ) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            # e.g. "!!set [a]" or "!!map 1": the base class would crash unpacking it.
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping for tag {node.tag}, found {node.id}", node.start_mark
            )
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(
                    None, None, "merge keys (<<) are not allowed", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=True)
            try:
                is_dup = key in seen
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"a key must be plain text, got {type(key).__name__}",
                    key_node.start_mark,
                ) from None
            if is_dup:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
            seen.add(key)
        # The keys were constructed above; clear them so the base method may build them again.
        for key_node, _ in node.value:
            self.constructed_objects.pop(key_node, None)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
#: Integers are decimal digits only (CONTRACT §1), as in a CSV row: YAML 1.1's octal
#: (``065`` = 53), hex (``0x41``), binary, ``1_0``, sexagesimal (``1:05`` = 65) and ``+5``
#: stay text and fail the profile's type check instead of silently becoming numbers.
DECIMAL_INT = re.compile(r"^(?:0|-?[1-9][0-9]*)$")
#: Decimal floats, without YAML 1.1's ``_`` separators and base-60 forms.
DECIMAL_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9]+)?\.[0-9]+(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?[0-9]+\.(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?[0-9]+[eE][-+]?[0-9]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in {_INT, _FLOAT}]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(_INT, DECIMAL_INT, list("-0123456789"))
_StrictLoader.add_implicit_resolver(_FLOAT, DECIMAL_FLOAT, list("-+.0123456789"))


def read_text(path: Path, *, max_bytes: int = MAX_DOCUMENT_BYTES, regular_only: bool = False) -> str:
    """Read a UTF-8 text file with a size limit, raising :class:`InputError` on any failure
    (with ``regular_only``, a FIFO or a device too: see :func:`open_for_reading`)."""
    name = str(path)
    with open_for_reading(path, name, regular_only=regular_only) as fh:
        try:
            raw = fh.read(max_bytes + 1)
        except OSError as exc:
            raise reading_error(exc, name) from None
    return decode(raw, name, max_bytes=max_bytes)


def decode(raw: bytes, name: str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """Decode bytes as UTF-8 (a BOM is allowed), enforcing the size limit."""
    if len(raw) > max_bytes:
        raise InputError(Problem(f"file is larger than the {max_bytes // 1024} KiB limit", name))
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # Windows editors save "Unicode" as UTF-16 with this mark; say what to do rather than
        # calling a text file binary.
        raise InputError(Problem("the file is UTF-16 text; save it as UTF-8 and try again", name))
    if b"\x00" in raw:
        raise InputError(Problem("binary data (NUL bytes), expected UTF-8 text", name))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(f"not valid UTF-8 text (bad byte at offset {exc.start})", name)) from None


def load_yaml(text: str, name: str) -> Any:
    """Parse one YAML document safely; errors name the file and the line."""
    items = text.count("\n") + text.count(",") + text.count("[") + text.count("{")
    if items > MAX_YAML_ITEMS:
        raise InputError(
            Problem(f"too many lines or items ({items}) for one document; the limit is {MAX_YAML_ITEMS}", name)
        )
    try:
        _guard_yaml_depth(text, name)
        loader = _StrictLoader(text)
        try:
            return _bounded_depth(loader.get_single_data(), name)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        tab = _tab_line(text, mark.line) if mark else None
        if tab is not None:
            raise InputError(
                Problem(f"invalid YAML: YAML indents with spaces, not tabs, line {tab} (replace the tab)", name)
            ) from None
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        what = exc.problem or exc.context or "invalid YAML"
        raise InputError(Problem(f"invalid YAML: {what}{where}", name)) from None
    except yaml.reader.ReaderError as exc:
        # Raised by the pure-Python reader for control characters; its text spans lines.
        where = _line_col(text, exc.position)
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise InputError(Problem(f"invalid YAML: {exc.reason} (character {char}{where})", name)) from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(Problem(f"invalid YAML: {first}", name)) from None
    except RecursionError:
        raise InputError(Problem("document is nested too deeply", name)) from None
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        # PyYAML's constructors trust explicit tags: "!!int 12a", "!!float ." and
        # "!!bool maybe" escape as plain Python errors. They are bad input, not bugs.
        raise InputError(Problem("invalid YAML: a value does not match its explicit tag (!!...)", name)) from None


def _tab_line(text: str, line: int) -> int | None:
    """The 1-based number of the line a YAML error points at (or the one before it) when that
    line is indented with a tab, else None."""
    lines = text.splitlines()
    for index in (line, line - 1):
        if 0 <= index < len(lines):
            current = lines[index]
            if "\t" in current[: len(current) - len(current.lstrip())]:
                return index + 1
    return None


def _json_hint(text: str, exc: json.JSONDecodeError) -> str | None:
    """Plain words for the two JSON mistakes people make most: a comma after the last item,
    and single quotes."""
    before = text[: exc.pos].rstrip()
    if before.endswith(",") and text[exc.pos : exc.pos + 1] in ("]", "}"):
        return f"remove the comma after the last item, line {before.count(chr(10)) + 1}"
    if text[exc.pos : exc.pos + 1] == "'":
        return f'JSON writes text in double quotes ("), not single ones, line {exc.lineno}'
    return None


def _line_col(text: str, position: int) -> str:
    if not 0 <= position <= len(text):
        return ""
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return f", line {line}, column {column}"


def _guard_yaml_depth(text: str, name: str) -> None:
    """Refuse YAML nested deeper than :data:`MAX_DEPTH` before libyaml composes it.

    libyaml's composer recurses on the C stack, so a document of a few hundred thousand
    nested brackets crashes the interpreter instead of raising. Every level of nesting
    costs at least one bracket, one column of indentation or one indicator (``- ``,
    ``? ``, ``: ``) on a line, which gives a cheap upper bound; only a document whose
    bound is suspicious pays for the exact check over parser events (which do not recurse).
    """
    flow = deepest = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "[{":
            flow += 1
            deepest = max(deepest, flow)
        elif flow:
            flow -= 1
    block = 0
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        # Block nesting on one line comes only from leading indicators ("- - ? x");
        # a ": " further on opens at most one mapping (more than one is a syntax error).
        lead = _LEADING_INDICATORS.match(stripped)
        block = max(block, indent + (lead.group().count(" ") if lead else 0) + 2)
    if deepest + block <= 4 * MAX_DEPTH:
        return
    too_deep = InputError(Problem(f"document is nested more than {MAX_DEPTH} levels deep", name))
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise too_deep
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        # PyYAML's scanner reads ahead and may refuse deep flow nesting itself before it
        # yields an event; where our cheap count already saw that nesting, say so ourselves.
        if deepest > MAX_DEPTH:
            raise too_deep from None
        raise


def load_json(text: str, name: str) -> Any:
    """Parse JSON, rejecting duplicate keys and non-finite numbers."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise ValueError(f"duplicate key '{key}'")
            out[key] = value
        return out

    def bad_constant(token: str) -> Any:
        raise ValueError(f"{token} is not a valid number")

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=bad_constant)
    except json.JSONDecodeError as exc:
        hint = _json_hint(text, exc)
        if hint is not None:
            raise InputError(Problem(f"invalid JSON: {hint}", name)) from None
        raise InputError(Problem(f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", name)) from None
    except ValueError as exc:
        raise InputError(Problem(f"invalid JSON: {exc}", name)) from None
    except RecursionError:
        raise InputError(Problem("document is nested too deeply", name)) from None
    return _bounded_depth(data, name)


def _bounded_depth(data: Any, name: str) -> Any:
    """Return ``data`` unchanged if it nests no deeper than :data:`MAX_DEPTH`."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(Problem(f"document is nested more than {MAX_DEPTH} levels deep", name))
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return data
