"""Vectorised row validation in DuckDB SQL: raw input columns to the contract's typed columns.

For each row the query yields the typed profile fields (what the rules query reads) and
``__flag``: TRUE when the row is, or might be, invalid. A flagged row is re-decided by the
Python reference (:mod:`ketadecide.batch.row_checks`), which writes its error message, or
evaluates it with :func:`ketadecide.engine.evaluate` when the reference accepts it (for
the few inputs the SQL is deliberately unsure of, such as a JSON number written as text).
The one thing that must never happen is an unflagged row the reference would reject;
the differential tests check that on generated and mutated rows of every kind.

Column kinds (decided from the Arrow type of each input column):
``text`` (CSV cells, Parquet strings: the CSV rules), ``int``, ``float``, ``bool``,
``list_text``, ``list_int`` (Parquet typed columns), ``other`` (anything else: every
non-null cell flagged), and ``json`` (one JSONL line per row).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, get_args

from ketadecide.batch.row_checks import (
    BOOL_FIELDS,
    DATE_FIELDS,
    ENUM_FIELDS,
    FALSE_WORDS,
    INT_FIELDS,
    INT_PATTERN,
    LIST_FIELDS,
    LIST_SEPARATOR,
    NONE_CELL,
    NUMBER_FIELDS,
    NUMBER_PATTERN,
    TEXT_FIELDS,
    TRUE_WORDS,
)
from ketadecide.batch.sql.compile import lit, lit_list, quote_ident
from ketadecide.batch.sql.dialects import DUCKDB, Forms
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.names import PLAN_FIELD, plan_names
from ketadecide.profile import FIELD_SPECS, PROFILE_FIELDS, Diagnosis, profile_json_schema

#: The values of every enum field, the decision answers' (``plan_leaning``) included.
ENUM_VALUES: dict[str, tuple[str, ...]] = {name: FIELD_SPECS[name].choices for name in ENUM_FIELDS}

#: Longest JSONL line the SQL vouches for; longer ones go to the reference.
MAX_SQL_LINE = 64 * 1024


@cache
def _schema() -> dict[str, Any]:
    props: dict[str, Any] = profile_json_schema()["properties"]
    out: dict[str, Any] = {}
    for name, prop in props.items():
        out[name] = prop["anyOf"][0] if "anyOf" in prop else prop
    return out


def bounds(field: str) -> tuple[float, float]:
    """The contract's range of a numeric field, read from the profile's own field table."""
    prop = _schema()[field]
    return prop["minimum"], prop["maximum"]


def id_max_length() -> int:
    return text_max_length("id")


def text_max_length(field: str) -> int:
    return int(_schema()[field]["maxLength"])


def _text_bad(field: str, v: str, forms: Forms = DUCKDB) -> str:
    """Free text (``id``, ``plan_notes``) longer than allowed or carrying control characters,
    or a date (``plan_decide_by``) not written YYYY-MM-DD or not on the calendar: the
    profile's own rules, read from its JSON Schema (one pattern for every engine)."""
    pattern = _schema()[field]["pattern"]
    if field in DATE_FIELDS:
        return f"(NOT {forms.full_match(v, pattern)})"
    return f"(length({v}) > {text_max_length(field)} OR NOT {forms.full_match(v, pattern)})"


def _id_bad(v: str, forms: Forms = DUCKDB) -> str:
    return _text_bad("id", v, forms)


def phq9_bounds() -> tuple[int, int, int]:
    """(items, lowest score, highest score)."""
    prop = _schema()["phq9"]
    return prop["minItems"], prop["items"]["minimum"], prop["items"]["maximum"]


def max_items(field: str) -> int:
    return int(_schema()[field]["maxItems"])


def list_pattern(field: str, kb: KnowledgeBase) -> str:
    """A text cell of known ids, ``;``-separated (the item count is checked apart: a bounded
    repetition makes the expression 20 times slower)."""
    one = "(?:" + "|".join(re.escape(x) for x in allowed_items(field, kb)) + ")"
    return f"{one}(?:{re.escape(LIST_SEPARATOR)}{one})*"


def phq9_pattern() -> str:
    """A text cell holding exactly the PHQ-9's nine item scores, each a whole number
    (as :data:`INT_PATTERN`: one digit, no sign or leading zero) within the item range."""
    n, lo, hi = phq9_bounds()
    assert lo == 0 and 0 < hi <= 9, "the pattern below spells out a 0..hi digit range"
    item = f"[0-{hi}]"
    return f"{item}(?:{re.escape(LIST_SEPARATOR)}{item}){{{n - 1}}}"


def allowed_items(field: str, kb: KnowledgeBase) -> list[str]:
    if field == "diagnoses":
        return list(get_args(Diagnosis))
    if field == "conditions":
        return list(kb.conditions)
    return list(kb.medications)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


def _between(v: str, field: str) -> str:
    lo, hi = bounds(field)
    return f"COALESCE({v} BETWEEN {_num(lo)} AND {_num(hi)}, FALSE)"


def _sql_type(field: str) -> str:
    """The DuckDB type a contract field has once validated."""
    if field == "phq9":
        return "BIGINT[]"
    if field in LIST_FIELDS:
        return "VARCHAR[]"
    if field in INT_FIELDS:
        return "BIGINT"
    if field in NUMBER_FIELDS:
        return "DOUBLE"
    if field in BOOL_FIELDS:
        return "BOOLEAN"
    return "VARCHAR"


#: The SQL type of a contract field once validated (for an engine building the typed columns' schema).
sql_type = _sql_type


def _phq9_ok(v: str, forms: Forms = DUCKDB) -> str:
    n, lo, hi = phq9_bounds()
    out_of_range = f"list_filter({v}, lambda x: NOT COALESCE(x BETWEEN {lo} AND {hi}, FALSE))"
    return f"({forms('list_len', v)} = {n} AND {forms('list_len', out_of_range)} = 0)"


V = "{value}"
"""Placeholder in a 'bad' expression for the column holding the field's typed value."""


def _text_cell(field: str, c: str, kb: KnowledgeBase, forms: Forms = DUCKDB) -> tuple[str, str]:
    """(typed value, bad) for a text cell ``c`` of a known field; ``bad`` names the value as
    :data:`V` so that it is computed once, in an inner SELECT."""
    given = f"({c} IS NOT NULL AND {c} <> '')"
    if field in TEXT_FIELDS or field in DATE_FIELDS:
        return f"CASE WHEN {given} THEN {c} END", f"({given} AND {_text_bad(field, c, forms)})"
    if field in INT_FIELDS:
        v = f"CASE WHEN {forms.full_match(c, INT_PATTERN)} THEN {forms('to_int', c)} END"
        return v, f"({given} AND NOT {_between(V, field)})"
    if field in NUMBER_FIELDS:
        v = f"CASE WHEN {forms.full_match(c, NUMBER_PATTERN)} THEN {forms('to_double', c)} END"
        return v, f"({given} AND NOT {_between(V, field)})"
    if field in BOOL_FIELDS:
        v = (
            f"CASE WHEN lower({c}) IN {_in(sorted(TRUE_WORDS))} THEN TRUE "
            f"WHEN lower({c}) IN {_in(sorted(FALSE_WORDS))} THEN FALSE END"
        )
        return v, f"({given} AND {V} IS NULL)"
    if field in ENUM_FIELDS:
        v = f"CASE WHEN {c} IN {_in(ENUM_VALUES[field])} THEN {c} END"
        return v, f"({given} AND {V} IS NULL)"
    if field in LIST_FIELDS:
        # The cell `none` is "asked, none" ([]); else one regular expression over the cell
        # (no per-item work): known ids, ';'-separated.
        none = f"({c} = {lit(NONE_CELL)})"
        v = f"CASE WHEN {none} THEN {forms('empty_list')} WHEN {given} THEN {forms('split', c)} END"
        sep = lit(LIST_SEPARATOR)
        too_many = f"length({c}) - length(replace({c}, {sep}, '')) >= {max_items(field)}"
        return v, (f"({given} AND NOT {none} AND (NOT {forms.full_match(c, list_pattern(field, kb))} OR {too_many}))")
    if field == "phq9":
        v = f"CASE WHEN {forms.full_match(c, phq9_pattern())} THEN {forms('split_ints', c)} END"
        return v, f"({given} AND {V} IS NULL)"
    raise AssertionError(field)


def _engine_text_cell(field: str, c: str, kb: KnowledgeBase) -> tuple[str, str]:
    """:func:`_text_cell` for the DuckDB engine: the same typed value for every cell it does
    not flag, and the same cells flagged, spelled the way DuckDB runs fastest (the emitted
    SQL keeps the portable spelling).

    * booleans: the lower-case words are matched as they are, and only other cells are
      lower-cased (``lower`` builds a string per cell: the cost of the whole check);
    * whole numbers: cast, and flagged unless the cell is the number's own decimal
      spelling, which is :data:`INT_PATTERN` exactly (no sign ``+``, leading zero, ``-0``
      or blank), instead of a regular expression before the cast;
    * the item count of a list: counted in bytes (``;`` is one byte), not characters, and
      a cell of one known id accepted without the regular expression.
    """
    given = f"({c} IS NOT NULL AND {c} <> '')"
    if field in BOOL_FIELDS:
        true, false = _in(sorted(TRUE_WORDS)), _in(sorted(FALSE_WORDS))
        v = (
            f"CASE WHEN {c} IN {true} THEN TRUE WHEN {c} IN {false} THEN FALSE WHEN {c} = '' THEN NULL "
            f"WHEN lower({c}) IN {true} THEN TRUE WHEN lower({c}) IN {false} THEN FALSE END"
        )
        return v, f"({given} AND {V} IS NULL)"
    if field in INT_FIELDS:
        v = f"CASE WHEN {c} <> '' THEN TRY_CAST({c} AS BIGINT) END"
        return v, f"CASE WHEN {given} THEN (NOT {_between(V, field)} OR CAST({V} AS VARCHAR) <> {c}) ELSE FALSE END"
    v, bad = _text_cell(field, c, kb)
    if field in LIST_FIELDS:
        sep = lit(LIST_SEPARATOR)
        chars = f"length({c}) - length(replace({c}, {sep}, ''))"
        assert chars in bad, "the item count is spelled as in _text_cell"
        bad = bad.replace(chars, f"strlen({c}) - strlen(replace({c}, {sep}, ''))")
        # A cell of one known id (the most common kind after `none`) is valid: looked up
        # in a hash set instead of running the regular expression (a fifth of its cost).
        bad = f"({bad} AND {c} NOT IN {_in(allowed_items(field, kb))})"
    return v, bad


def _typed_cell(field: str, kind: str, c: str, kb: KnowledgeBase, forms: Forms = DUCKDB) -> tuple[str, str]:
    """(typed value, bad) for a non-text Parquet cell ``c`` of a known field."""
    given = f"({c} IS NOT NULL)"
    # Typed, so that rules over the field (phq9[9], a list function) still bind when the
    # column's type is one we do not read (a list of doubles, say): every such cell is flagged.
    wrong = (f"CAST(NULL AS {_sql_type(field)})", given)
    if kind == "int" and field in INT_FIELDS:
        v = f"TRY_CAST({c} AS BIGINT)"
        return v, f"({given} AND NOT {_between(V, field)})"
    if kind == "float" and field in INT_FIELDS:
        # A double with no fractional part is the whole number it holds (CONTRACT §1: pandas
        # writes 2.0 for an integer column with gaps); NaN, infinities and fractions are not.
        # (No floor(): Spark's returns BIGINT and overflows on an infinity under ANSI mode.)
        whole = f"TRY_CAST({c} AS BIGINT)"
        v = f"CASE WHEN {c} = CAST({whole} AS DOUBLE) THEN {whole} END"
        return v, f"({given} AND (isnan({c}) OR {V} IS NULL OR NOT {_between(V, field)}))"
    if kind in {"int", "float"} and field in NUMBER_FIELDS:
        v = f"TRY_CAST({c} AS DOUBLE)"
        return v, f"({given} AND (isnan({V}) OR NOT {_between(V, field)}))"
    if kind == "bool" and field in BOOL_FIELDS:
        return c, "FALSE"
    if kind == "list_text" and field in LIST_FIELDS:
        allowed = _in(allowed_items(field, kb))
        return (
            c,
            f"({given} AND ({forms('list_len', c)} > {max_items(field)} OR "
            f"{forms('list_len', f'list_filter({c}, lambda x: x IS NULL OR x NOT IN {allowed})')} > 0))",
        )
    if kind == "list_int" and field in LIST_FIELDS:
        # An empty list of any element type is an empty tuple: "asked, none".
        return f"CASE WHEN {given} THEN CAST([] AS VARCHAR[]) END", f"({given} AND {forms('list_len', c)} > 0)"
    if kind == "list_int" and field == "phq9":
        v = f"list_transform({c}, lambda x: TRY_CAST(x AS BIGINT))"
        return (
            v,
            f"({given} AND ({forms('list_len', f'list_filter({c}, lambda x: x IS NULL)')} > 0 "
            f"OR NOT {_phq9_ok(V, forms)}))",
        )
    return wrong


#: The list fields whose text cells the rules query can use as they are (see
#: :func:`list_text_columns`).
JOINED_LISTS = ("conditions", "medications")


def list_text_columns(columns: Mapping[str, str]) -> dict[str, str]:
    """For each of :data:`JOINED_LISTS` read from text cells, the column of
    :func:`tabular_query` holding the list ``;``-joined, as
    :func:`~ketadecide.batch.sql.compile.rules_key_query` wants it: the cell itself, ``''``
    for ``none``, NULL when not given. On a row that is not flagged, it is exactly the
    typed list joined again (a valid cell has no empty item)."""
    return {f: f"__text_{f}" for f in JOINED_LISTS if columns.get(f) == "text"}


#: In :func:`tabular_query`'s ``__bad`` mask, the bit of every problem that is not one
#: field's own or one of the two cross-field checks (an unknown column, or a check that
#: came out NULL); the profile field ``PROFILE_FIELDS[i]`` has bit ``1 << i``.
OTHER_BAD = 1 << 62
#: The bit of ``age`` having no valid value: not given, or given and invalid (then ``age``'s
#: own bit is set too, and the reference reports only the bad cell).
AGE_MISSING = 1 << 61
#: The bit of systolic not above diastolic, on the validated values (set too when either
#: is invalid and the other is not above it; the reference then compares nothing).
BP_ORDER = 1 << 60
#: The bits of the profile fields' own checks.
FIELD_BITS = (1 << len(PROFILE_FIELDS)) - 1
assert len(PROFILE_FIELDS) < 60, "one bit per profile field, below the other bits"


def bad_field(mask: int) -> str | None:
    """The one profile field a ``__bad`` mask names, or None (no field, several, or
    any other bit)."""
    if mask <= 0 or mask & (mask - 1):
        return None
    i = mask.bit_length() - 1
    return PROFILE_FIELDS[i] if i < len(PROFILE_FIELDS) else None


def bad_fields(mask: int) -> list[str]:
    """The profile fields whose own check a ``__bad`` mask says failed, in the profile's order."""
    fields = mask & FIELD_BITS
    return [name for i, name in enumerate(PROFILE_FIELDS) if fields >> i & 1]


def tabular_query(
    columns: Mapping[str, str],
    kb: KnowledgeBase,
    source: str,
    forms: Forms = DUCKDB,
    *,
    keep_raw: bool = False,
    carry: Sequence[str] = (),
    bad_bits: bool = False,
) -> tuple[str, list[str]]:
    """The validation SELECT over ``source`` (raw columns + ``__row``), its dialect forms
    spelled by ``forms`` (DuckDB's own text by default; Spark's for ``--engine spark``).

    ``columns`` maps each input column name to its kind. Returns the query (contract
    columns, ``__row``, ``__seq``, ``__flag``; for DuckDB the :func:`list_text_columns`;
    with ``keep_raw`` the raw cells as ``__raw_<i>``, for an engine that re-checks flagged
    rows where they are) and the names of those raw columns, in input order. ``carry`` names
    columns of ``source`` copied through unchecked as ``__keep_<i>`` (``--keep`` on an
    engine that builds the output rows after the query).

    With ``bad_bits`` (DuckDB only) a flagged row also says which checks failed: ``__bad``,
    a mask with one bit per profile field (:func:`bad_fields`), :data:`AGE_MISSING`,
    :data:`BP_ORDER` and :data:`OTHER_BAD`, and ``__bad_cell``, the raw cell of the one
    field at fault when one is and its cell is text. The engine writes such a row's errors
    without re-checking the whole row in Python.
    """
    raw_names = [f"__raw_{i}" for i in range(len(columns))]
    renamed = [f"{quote_ident(name)} AS {raw}" for name, raw in zip(columns, raw_names, strict=True)]
    by_field = {name: (raw, kind) for (name, kind), raw in zip(columns.items(), raw_names, strict=True)}
    values: list[str] = []
    bads: list[str] = []
    bits: list[int] = []  # beside ``bads``: the bit each check sets in ``__bad``
    for field in PROFILE_FIELDS:
        name = quote_ident(field)
        if field not in by_field:
            # Typed, so rules over a column the input lacks (phq9[9], a list) still bind.
            values.append(f"CAST(NULL AS {_sql_type(field)}) AS {name}")
            continue
        raw, kind = by_field[field]
        if kind == "text":
            if forms is DUCKDB:
                v, bad = _engine_text_cell(field, raw, kb)
            else:
                v, bad = _text_cell(field, raw, kb, forms)
        else:
            v, bad = _typed_cell(field, kind, raw, kb, forms)
        values.append(f"{v} AS {name}")
        bads.append(bad.replace(V, name))
        bits.append(1 << PROFILE_FIELDS.index(field))
    unknown = [
        f"({raw} IS NOT NULL AND {raw} <> '')" if kind == "text" else f"({raw} IS NOT NULL)"
        for name, (raw, kind) in by_field.items()
        if name not in PROFILE_FIELDS
    ]
    if unknown:
        # One term for all of them: an input may have thousands of columns, and the mask's
        # chain of `|` nests (the OR chain does not).
        bads.append(f"({' OR '.join(unknown)})")
        bits.append(OTHER_BAD)
    if bad_bits:
        # The two cross-field checks, each with a bit of its own (same flag as one term).
        bads += [_AGE_NOT_VALID, _BP_NOT_ORDERED]
        bits += [AGE_MISSING, BP_ORDER]
    else:
        bads.append(_cross_field_bad())
        bits.append(OTHER_BAD)
    flag = " OR ".join(bads)
    raw_list = "".join(f", {r}" for r in raw_names)
    renamed_list = "".join(f", {r}" for r in renamed)
    carried = "".join(f", {quote_ident(name)} AS __keep_{i}" for i, name in enumerate(carry))
    carry_list = "".join(f", __keep_{i}" for i in range(len(carry)))
    inner = f"SELECT __row, __seq{renamed_list}{carried} FROM {source}"
    typed = f"SELECT __row, __seq{raw_list}{carry_list}, {', '.join(values)} FROM ({inner})"
    out_cols = ", ".join(quote_ident(f) for f in PROFILE_FIELDS)
    if forms is DUCKDB:
        for field, column in list_text_columns(columns).items():
            raw = by_field[field][0]
            out_cols += f", CASE WHEN {raw} = {lit(NONE_CELL)} THEN '' WHEN {raw} <> '' THEN {raw} END AS {column}"
    kept = raw_list if keep_raw else ""
    if bad_bits:
        assert forms is DUCKDB and not carry, "the mask is spelled for DuckDB"
        names = [quote_ident(f) for f in PROFILE_FIELDS] + list(list_text_columns(columns).values())
        return _with_bad_bits(out_cols, names, typed, checks=(bads, bits), by_field=by_field, kept=kept), raw_names
    query = f"SELECT {out_cols}, __row, __seq, {bads_expr(flag)} AS __flag{kept}{carry_list} FROM ({typed})"
    return query, raw_names


def _with_bad_bits(
    out_cols: str,
    names: list[str],
    typed: str,
    *,
    checks: tuple[list[str], list[int]],
    by_field: Mapping[str, tuple[str, str]],
    kept: str,
) -> str:
    """:func:`tabular_query`'s final SELECT with ``__bad`` and ``__bad_cell``."""
    typed, mask = _packed_mask(*checks, typed)
    # Only the cells ``__bad_cell`` may hand back go through (and every raw cell when the
    # caller keeps them): an input may have thousands of other columns.
    texts = {raw for name, (raw, kind) in by_field.items() if name in PROFILE_FIELDS and kind == "text"}
    raw_cols = "".join(f", {raw}" for raw, _ in by_field.values() if kept or raw in texts)
    masked = f"SELECT {out_cols}, __row, __seq{raw_cols}, {mask} AS __bad FROM ({typed})"
    # The raw text of the one field at fault (a text cell only), for its error's words.
    whens = " ".join(
        f"WHEN {1 << PROFILE_FIELDS.index(name)} THEN {raw}"
        for name, (raw, kind) in by_field.items()
        if name in PROFILE_FIELDS and kind == "text"
    )
    # Whatever the cross-field bits say: they need no cell of their own.
    cell = f"CASE __bad & {FIELD_BITS} {whens} END" if whens else "CAST(NULL AS VARCHAR)"
    return (
        f"SELECT {', '.join(names)}, __row, __seq, __bad <> 0 AS __flag, "
        f"CASE WHEN __bad <> 0 THEN __bad END AS __bad, "
        f"CASE WHEN __bad <> 0 THEN {cell} END AS __bad_cell{kept} FROM ({masked})"
    )


def _packed_mask(bads: Sequence[str], bits: Sequence[int], typed: str) -> tuple[str, str]:
    """(``typed`` with each check as a column of its own, the ``__bad`` mask over them).

    The mask is the OR of each check's bit when TRUE (and :data:`OTHER_BAD` when NULL), so
    it is non-zero exactly when ``COALESCE(check OR check ..., TRUE)`` holds: it is packed
    only on such rows, 0 on every other. (Packing every row's 30-odd bits cost about a tenth
    of the validation's CPU, for the one row in ten a cohort with 10% bad rows flags.)"""
    checked = [f"__check_{i}" for i in range(len(bads))]
    terms = " | ".join(
        f"COALESCE(CAST({c} AS BIGINT) * {bit}, {OTHER_BAD})" for c, bit in zip(checked, bits, strict=True)
    )
    columns = ", ".join(f"{b} AS {c}" for b, c in zip(bads, checked, strict=True))
    return (
        f"SELECT *, {columns} FROM ({typed})",
        f"CASE WHEN {bads_expr(' OR '.join(checked))} THEN {terms} ELSE 0 END",
    )


def bads_expr(flag: str) -> str:
    return f"COALESCE({flag}, TRUE)"


_AGE_NOT_VALID = "(age IS NULL)"
_BP_NOT_ORDERED = "COALESCE(bp_systolic <= bp_diastolic, FALSE)"


def _cross_field_bad() -> str:
    # Validated values only; an invalid value is flagged on its own.
    return f"({_AGE_NOT_VALID} OR {_BP_NOT_ORDERED})"


def json_query(kb: KnowledgeBase, source: str, kept: Sequence[str] = (), *, bad_bits: bool = False) -> str:
    """The validation SELECT over ``source`` with columns ``line`` (a JSONL line) and ``__row``.
    Keys named in ``kept`` (``--keep``) are allowed beside the profile's fields. With
    ``bad_bits``, also ``__bad`` and ``__bad_cell`` (always NULL) as :func:`tabular_query`
    gives them: the line's own checks (not JSON, a key twice, an unknown key) are
    :data:`OTHER_BAD`."""
    paths = lit_list(f"$.{f}" for f in PROFILE_FIELDS)
    ok = (
        # CASE, not AND: DuckDB evaluates both sides of AND, and json_type raises on bad JSON.
        f"(CASE WHEN length(line) <= {MAX_SQL_LINE} AND json_valid(line) "
        "THEN json_type(line) = 'OBJECT' ELSE FALSE END "
        # yyjson accepts trailing commas, Python's json does not: let the reference decide.
        "AND NOT regexp_matches(line, ',[ \\t\\r\\n]*[}\\]]'))"
    )
    parsed = (
        f"SELECT __row, __seq, line, {ok} AS __ok, "
        f"CASE WHEN {ok} THEN json_extract(line, {paths}) END AS __j, "
        f"CASE WHEN {ok} THEN json_keys(line) END AS __keys FROM {source}"
    )
    values: list[str] = []
    bads: list[str] = [
        "NOT __ok",
        "len(list_distinct(__keys)) <> len(__keys)",
        f"NOT list_has_all({lit_list([*PROFILE_FIELDS, *(k for k in kept if k not in PROFILE_FIELDS)])}, __keys)",
    ]
    for i, field in enumerate(PROFILE_FIELDS, start=1):
        j = f"__j{i}"
        t = f"__t{i}"
        present = f"({t} IS NOT NULL AND {t} <> 'NULL')"
        name = quote_ident(field)  # the typed value, in the outer SELECT
        if field in TEXT_FIELDS or field in DATE_FIELDS:
            v = f"CASE WHEN {t} = 'VARCHAR' THEN json_extract_string({j}, '$') END"
            bad = f"({present} AND ({t} <> 'VARCHAR' OR {_text_bad(field, name)}))"
        elif field in INT_FIELDS:
            # A JSON double with no fractional part (2.0) is the whole number it holds, as in
            # Parquet (CONTRACT §1); 2.5 and doubles past BIGINT stay NULL, so they are flagged.
            d = f"TRY_CAST({j} AS DOUBLE)"
            whole = f"TRY_CAST({d} AS BIGINT)"
            v = (
                f"CASE WHEN {t} IN ('BIGINT', 'UBIGINT') THEN TRY_CAST({j} AS BIGINT) "
                f"WHEN {t} = 'DOUBLE' AND {d} = CAST({whole} AS DOUBLE) THEN {whole} END"
            )
            bad = f"({present} AND NOT {_between(name, field)})"
        elif field in NUMBER_FIELDS:
            v = f"CASE WHEN {t} IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN TRY_CAST({j} AS DOUBLE) END"
            bad = f"({present} AND NOT {_between(name, field)})"
        elif field in BOOL_FIELDS:
            v = f"CASE WHEN {t} = 'BOOLEAN' THEN TRY_CAST({j} AS BOOLEAN) END"
            bad = f"({present} AND {t} <> 'BOOLEAN')"
        elif field in ENUM_FIELDS:
            s = f"CASE WHEN {t} = 'VARCHAR' THEN json_extract_string({j}, '$') END"
            v = f"CASE WHEN {s} IN {_in(ENUM_VALUES[field])} THEN {s} END"
            bad = f"({present} AND {name} IS NULL)"
        elif field in LIST_FIELDS:
            v = f"CASE WHEN {t} = 'ARRAY' THEN json_extract_string({j}, '$[*]') END"
            bad = (
                f"({present} AND NOT COALESCE({t} = 'ARRAY' "
                f"AND list_has_all(['VARCHAR'], json_type({j}, '$[*]')) "
                f"AND len({name}) <= {max_items(field)} "
                f"AND list_has_all({lit_list(allowed_items(field, kb))}, {name}), FALSE))"
            )
        elif field == "phq9":
            v = (
                f"CASE WHEN {t} = 'ARRAY' THEN list_transform(json_extract_string({j}, '$[*]'), "
                "lambda x: TRY_CAST(x AS BIGINT)) END"
            )
            bad = (
                f"({present} AND NOT COALESCE({t} = 'ARRAY' "
                f"AND list_has_all(['BIGINT', 'UBIGINT'], json_type({j}, '$[*]')) "
                f"AND {_phq9_ok(name)}, FALSE))"
            )
        else:  # pragma: no cover - every contract field is handled above
            raise AssertionError(field)
        values.append(f"{v} AS {quote_ident(field)}")
        bads.append(bad)
    bits = [OTHER_BAD] * 3 + [1 << i for i in range(len(PROFILE_FIELDS))]
    if bad_bits:
        bads += [_AGE_NOT_VALID, _BP_NOT_ORDERED]
        bits += [AGE_MISSING, BP_ORDER]
    else:
        bads.append(_cross_field_bad())
    flag = " OR ".join(bads)
    split = ", ".join(f"__j[{i}] AS __j{i}, json_type(__j[{i}]) AS __t{i}" for i in range(1, len(PROFILE_FIELDS) + 1))
    fields = f"SELECT __row, __seq, __ok, __keys, {split} FROM ({parsed})"
    # The typed values once (inner), then the flag over them (outer).
    typed = f"SELECT *, {', '.join(values)} FROM ({fields})"
    out_cols = ", ".join(quote_ident(f) for f in PROFILE_FIELDS)
    if bad_bits:
        checked, mask = _packed_mask(bads, bits, typed)
        masked = f"SELECT {out_cols}, __row, __seq, {mask} AS __bad FROM ({checked})"
        return (
            f"SELECT {out_cols}, __row, __seq, __bad <> 0 AS __flag, CASE WHEN __bad <> 0 THEN __bad END AS __bad, "
            f"CAST(NULL AS VARCHAR) AS __bad_cell FROM ({masked})"
        )
    return f"SELECT {out_cols}, __row, __seq, {bads_expr(flag)} AS __flag FROM ({typed})"


def _problem(field: str, kb: KnowledgeBase) -> str:
    """The emitted SQL's words for a bad cell of ``field`` (one problem, field first)."""
    if field in TEXT_FIELDS:
        return f"{field}: longer than {text_max_length(field)} characters, or holds a control character"
    if field in DATE_FIELDS:
        return f"{field}: expected a date written YYYY-MM-DD"
    if field in INT_FIELDS:
        lo, hi = bounds(field)
        return f"{field}: expected a whole number from {_num(lo)} to {_num(hi)}"
    if field in NUMBER_FIELDS:
        lo, hi = bounds(field)
        return f"{field}: expected a number from {_num(lo)} to {_num(hi)}"
    if field in BOOL_FIELDS:
        return f"{field}: expected true/false, yes/no or 1/0"
    if field in ENUM_FIELDS:
        return f"{field}: expected one of {', '.join(ENUM_VALUES[field])}"
    if field in LIST_FIELDS:
        return (
            f"{field}: expected none, or known ids separated by {LIST_SEPARATOR} "
            f"(at most {max_items(field)}; see ketadecide modalities)"
        )
    n, lo, hi = phq9_bounds()
    return f"{field}: expected {n} item scores {lo}-{hi} separated by {LIST_SEPARATOR}"


def text_table_query(kb: KnowledgeBase, source: str, forms: Forms = DUCKDB, row_column: str | None = None) -> str:
    """The emitted SQL's validation: ``source`` holds the contract's columns as text (the CSV
    cells; NULL or '' is "not given"). Gives the typed contract columns (what
    :func:`~ketadecide.batch.sql.compile.rules_query` reads), ``__row`` (``row_column`` read
    as an integer, or the scan order's ``ROW_NUMBER()``) and ``__error``: NULL for a valid
    row, else its first problem (fields in the contract's order, then the cross-field
    checks). Exactly the CSV rules of :func:`_text_cell`, spelled for the dialect by ``forms``."""
    assert LIST_SEPARATOR == ";", "the dialect forms split on ';'"
    raw_names = {field: f"__raw_{i}" for i, field in enumerate(PROFILE_FIELDS)}
    row = f"CAST({quote_ident(row_column)} AS BIGINT)" if row_column else forms("row_number")
    renamed = ", ".join(f"{quote_ident(f)} AS {raw}" for f, raw in raw_names.items())
    inner = f"SELECT {row} AS __row, {renamed} FROM {source}"
    values: list[str] = []
    whens: list[str] = []
    for field, raw in raw_names.items():
        v, bad = _text_cell(field, raw, kb, forms)
        values.append(f"{v} AS {quote_ident(field)}")
        if field == PLAN_FIELD:
            # A carrier or state-plan name (``Aetna``, ``Medi-Cal``): still a problem, said with
            # what it may mean, as the Python reference says it (names compared without case,
            # hyphens or repeated spaces; the SQL folds ASCII case and hyphens only).
            key = f"lower(replace({raw}, '-', ' '))"
            for keys, hint in plan_names(kb):
                cond = f"{bad.replace(V, quote_ident(field))} AND {key} IN {_in(sorted(keys))}"
                whens.append(f"WHEN {cond} THEN {lit(f'{field}: expected a kind of plan; {hint}')}")
        whens.append(f"WHEN {bad.replace(V, quote_ident(field))} THEN {lit(_problem(field, kb))}")
    whens.append(f"WHEN age IS NULL THEN {lit('age: required')}")
    bp = lit("bp_diastolic: must be below bp_systolic")
    whens.append(f"WHEN COALESCE(bp_systolic <= bp_diastolic, FALSE) THEN {bp}")
    typed = f"SELECT __row, {', '.join(raw_names.values())}, {', '.join(values)} FROM ({inner}) AS __in"
    out_cols = ", ".join(quote_ident(f) for f in PROFILE_FIELDS)
    return f"SELECT {out_cols}, __row, CASE {' '.join(whens)} END AS __error FROM ({typed}) AS __typed"
