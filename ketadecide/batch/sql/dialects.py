"""The SQL forms that differ between engines, written once per construct and per dialect.

The rules and validation queries are generated in DuckDB's dialect and translated to the
others with sqlglot. Where sqlglot's translation is not enough -- array positions (1- or
0-based, and whether an out-of-range read is NULL or an error), order-keeping
de-duplication, full-match regular expressions, splitting a cell into a list, casts that
must not depend on Spark's ANSI setting -- the query names a *form* instead, and the form
is written here, once per dialect (:data:`TEMPLATES`). No rule is written per dialect.

How the forms get into the SQL (:class:`Forms`):

* for DuckDB (what ``ketadecide batch`` itself runs) a form is the DuckDB text, directly;
* for another dialect the query carries a placeholder call (``KD_SPLIT(col)``), sqlglot
  translates everything around it, and :func:`fill_placeholders` replaces each call by the
  dialect's template with its (already translated) arguments. Constants that must be
  spelled per dialect (regular expressions) never go through sqlglot: the placeholder
  holds an index into the form's table of constants.

Spark forms are chosen so that the result is the same with ``spark.sql.ansi.enabled``
true or false: explicit 1-based ``array_position`` and 0-based lambda indexes,
``try_element_at`` for reads, casts only of text already checked to fit.
"""

from __future__ import annotations

import re

#: Dialects with a template table. DuckDB, PostgreSQL and Spark are tested on the real
#: engines; BigQuery and Snowflake (these) are written from their documentation and only
#: checked to parse, and their emitted SQL is a golden file (untested on a live engine).
UNTESTED_DIALECTS: tuple[str, ...] = ("bigquery", "snowflake")

# Template arguments: {0}, {1}... are SQL expressions (translated); {ids} is the
# parenthesised list of the remaining arguments; {c0}, {c1}... are constants (spelled for
# the dialect by Forms, never translated).
TEMPLATES: dict[str, dict[str, str]] = {
    "duckdb": {
        # TRUE when the whole text matches the pattern.
        "full_match": "regexp_full_match({0}, {c0})",
        # A text cell split on ';' (a list of text).
        "split": "string_split({0}, ';')",
        # A text cell of ';'-separated whole numbers, already checked, as a list of integers.
        "split_ints": "CAST(string_split({0}, ';') AS BIGINT[])",
        # The empty list of text ("asked, none").
        "empty_list": "CAST([] AS VARCHAR[])",
        # Text of digits (an optional '-'), already checked: the integer, NULL if it does not fit.
        "to_int": "TRY_CAST({0} AS BIGINT)",
        # A decimal number, already checked against the number pattern: the double.
        "to_double": "TRY_CAST({0} AS DOUBLE)",
        # TRUE when the list holds the item (NULL when the list is NULL).
        "contains": "list_contains({0}, {1})",
        # The list's item at a 1-based position (NULL when out of range).
        "item": "{0}[{1}]",
        # The list's items once each, in first-occurrence order (NULL stays NULL).
        "dedupe": (
            "list_filter(list_transform(generate_series(1, len({0})), "
            "lambda i: CASE WHEN list_position({0}, {0}[i]) = i THEN {0}[i] END), "
            "lambda x: x IS NOT NULL)"
        ),
        # The list's items that are among {ids}, in list order, ';'-joined; NULL when none.
        "filter_join": "NULLIF(array_to_string(list_filter({0}, lambda x: x IN {ids}), ';'), '')",
        # The number of items of a list (NULL when the list is NULL).
        "list_len": "len({0})",
        # The input's row number when the table has none (its scan order).
        "row_number": "ROW_NUMBER() OVER ()",
    },
    "postgres": {
        "full_match": "({0} ~ {c0})",
        "split": "string_to_array({0}, ';')",
        "split_ints": "CAST(string_to_array({0}, ';') AS BIGINT[])",
        "empty_list": "CAST(ARRAY[] AS TEXT[])",
        "to_int": "CASE WHEN length(regexp_replace({0}, '^-?0*', '')) <= 18 THEN CAST({0} AS BIGINT) END",
        # PostgreSQL raises on a double that over- or underflows: read as NUMERIC (exact),
        # clamp (every bound is far inside), then convert.
        "to_double": (
            "CASE WHEN length({0}) <= 300 AND NOT {0} ~ '[eE][-+]?0*[0-9]{{4,}}$' THEN "
            "CASE WHEN abs(CAST({0} AS NUMERIC)) < 1e-300 THEN CAST(0 AS DOUBLE PRECISION) "
            "ELSE CAST(LEAST(GREATEST(CAST({0} AS NUMERIC), -1e300), 1e300) AS DOUBLE PRECISION) END END"
        ),
        "contains": "({1} = ANY({0}))",
        "item": "{0}[{1}]",
        "dedupe": (
            "CASE WHEN {0} IS NOT NULL THEN ARRAY(SELECT __t.x FROM unnest({0}) WITH ORDINALITY AS __t(x, n) "
            "WHERE array_position({0}, __t.x) = __t.n ORDER BY __t.n) END"
        ),
        "filter_join": (
            "(SELECT string_agg(__t.x, ';' ORDER BY __t.n) FROM unnest({0}) WITH ORDINALITY AS __t(x, n) "
            "WHERE __t.x IN {ids})"
        ),
        "list_len": "cardinality({0})",
        "row_number": "ROW_NUMBER() OVER ()",
    },
    "spark": {
        "full_match": "({0} RLIKE {c0})",
        # split's pattern is a regular expression: ';' is not special; limit -1 keeps empty items.
        "split": "split({0}, ';', -1)",
        "split_ints": "transform(split({0}, ';', -1), __x -> CAST(__x AS BIGINT))",
        "empty_list": "CAST(array() AS ARRAY<STRING>)",
        # CAST of text that does not fit raises under ANSI and is NULL without: never cast it.
        "to_int": "CASE WHEN length(regexp_replace({0}, '^-?0*', '')) <= 18 THEN CAST({0} AS BIGINT) END",
        "to_double": "CAST({0} AS DOUBLE)",
        "contains": "array_contains({0}, {1})",
        # 1-based, NULL out of range whatever the ANSI setting (element_at and [] are not).
        "item": "try_element_at({0}, {1})",
        # array_position is 1-based, a lambda's index 0-based, in both ANSI modes.
        "dedupe": "filter({0}, (__x, __i) -> array_position({0}, __x) = __i + 1)",
        "filter_join": "NULLIF(array_join(filter({0}, __x -> __x IN {ids}), ';'), '')",
        # size() of NULL is -1 or NULL depending on the ANSI setting; array_size is NULL in both.
        "list_len": "array_size({0})",
        # Spark's row_number needs an order: the scan order of the input.
        "row_number": "ROW_NUMBER() OVER (ORDER BY monotonically_increasing_id())",
    },
    "bigquery": {
        "full_match": "REGEXP_CONTAINS({0}, {c0})",
        "split": "SPLIT({0}, ';')",
        "split_ints": (
            "ARRAY(SELECT CAST(__x AS INT64) FROM UNNEST(SPLIT({0}, ';')) AS __x WITH OFFSET AS __o ORDER BY __o)"
        ),
        "empty_list": "CAST([] AS ARRAY<STRING>)",
        "to_int": "SAFE_CAST({0} AS INT64)",
        "to_double": "SAFE_CAST({0} AS FLOAT64)",
        "contains": "({1} IN UNNEST({0}))",
        "item": "{0}[SAFE_ORDINAL({1})]",
        "dedupe": (
            "ARRAY(SELECT __x FROM UNNEST({0}) AS __x WITH OFFSET AS __o "
            "WHERE __o = (SELECT MIN(__p) FROM UNNEST({0}) AS __y WITH OFFSET AS __p WHERE __y = __x) ORDER BY __o)"
        ),
        "filter_join": (
            "NULLIF(ARRAY_TO_STRING(ARRAY(SELECT __x FROM UNNEST({0}) AS __x WITH OFFSET AS __o "
            "WHERE __x IN {ids} ORDER BY __o), ';'), '')"
        ),
        "list_len": "ARRAY_LENGTH({0})",
        "row_number": "ROW_NUMBER() OVER ()",
    },
    "snowflake": {
        "full_match": "REGEXP_LIKE({0}, {c0})",
        "split": "SPLIT({0}, ';')",
        "split_ints": "TRANSFORM(SPLIT({0}, ';'), __x -> CAST(__x AS BIGINT))",
        "empty_list": "ARRAY_CONSTRUCT()",
        "to_int": "TRY_CAST({0} AS BIGINT)",
        "to_double": "TRY_CAST({0} AS DOUBLE)",
        "contains": "ARRAY_CONTAINS(CAST({1} AS VARIANT), {0})",
        "item": "GET({0}, {1} - 1)",
        "dedupe": "ARRAY_DISTINCT({0})",
        "filter_join": "NULLIF(ARRAY_TO_STRING(FILTER({0}, __x -> __x IN {ids}), ';'), '')",
        "list_len": "ARRAY_SIZE({0})",
        "row_number": "ROW_NUMBER() OVER (ORDER BY SEQ8())",
    },
}

_PLACEHOLDER = "KD_"


def _unicode_escapes(pattern: str) -> str:
    r"""A Python pattern with ``\xHH`` and non-ASCII characters spelled ``\uHHHH``
    (Java's and PostgreSQL's syntax; both also read the rest of our patterns as Python does)."""
    out = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: "\\u00" + m.group(1).lower(), pattern)
    return "".join(ch if ord(ch) < 128 else f"\\u{ord(ch):04x}" for ch in out)


def full_pattern(pattern: str, dialect: str) -> str:
    """The pattern as ``dialect``'s full-match form wants it (anchored where the form
    searches). Java's ``$`` also matches before a final line break, so Spark ends with ``\\z``."""
    if dialect == "duckdb":
        return pattern
    if dialect == "postgres":
        return f"^(?:{_unicode_escapes(pattern)})$"
    if dialect == "spark":
        return f"^(?:{_unicode_escapes(pattern)})\\z"
    if dialect == "bigquery":
        return f"^(?:{pattern})$"
    return pattern  # snowflake: REGEXP_LIKE matches the whole text


def string_literal(text: str, dialect: str) -> str:
    """A string literal in ``dialect`` (Spark, BigQuery and Snowflake read backslash escapes)."""
    if dialect in {"spark", "bigquery", "snowflake"}:
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + text.replace("'", "''") + "'"


class Forms:
    """Spells the dialect-specific forms: directly for DuckDB (``placeholders=False``), or
    as placeholder calls that :meth:`fill` replaces after sqlglot's translation."""

    def __init__(self, dialect: str = "duckdb", *, placeholders: bool = False) -> None:
        if dialect not in TEMPLATES:
            raise ValueError(f"no SQL forms for dialect {dialect!r}")
        self.dialect = dialect
        self.placeholders = placeholders
        self.constants: list[str] = []

    def __call__(self, name: str, *args: str) -> str:
        template = TEMPLATES[self.dialect][name]
        if self.placeholders:
            return f"{_PLACEHOLDER}{name.upper()}({', '.join(args)})" if args else f"{_PLACEHOLDER}{name.upper()}()"
        return _render(template, list(args), self.constants)

    def full_match(self, value: str, pattern: str) -> str:
        """TRUE when the text ``value`` (SQL) matches the Python regular expression ``pattern``
        as a whole."""
        self.constants.append(string_literal(full_pattern(pattern, self.dialect), self.dialect))
        const = len(self.constants) - 1
        if self.placeholders:
            return f"{_PLACEHOLDER}FULL_MATCH({value}, {const})"
        return TEMPLATES[self.dialect]["full_match"].format(value, c0=self.constants[const])

    def fill(self, sql: str) -> str:
        """``sql`` (translated by sqlglot) with every placeholder call replaced by its form."""
        return fill_placeholders(sql, self.dialect, self.constants)


DUCKDB = Forms("duckdb")


def _render(template: str, args: list[str], constants: list[str], name: str = "") -> str:
    fields = {"ids": "(" + ", ".join(args[1:]) + ")"}
    if name == "full_match":
        fields["c0"] = constants[int(args[1])]
        args = args[:1]
    return template.format(*args, **fields)


def fill_placeholders(sql: str, dialect: str, constants: list[str]) -> str:
    """Replace the placeholder calls in ``sql``, the last one first: a call that starts last
    holds no other call, so each is replaced with its arguments already final."""
    pattern = re.compile(_PLACEHOLDER + r"([A-Z_]+)\(", re.IGNORECASE)
    while True:
        matches = list(pattern.finditer(sql))
        if not matches:
            return sql
        m = matches[-1]
        name = m.group(1).lower()
        args, end = _split_args(sql, m.end(), backslash=dialect in {"spark", "bigquery", "snowflake"})
        form = _render(TEMPLATES[dialect][name], args, constants, name)
        sql = sql[: m.start()] + form + sql[end:]


def _split_args(sql: str, start: int, *, backslash: bool) -> tuple[list[str], int]:
    """The top-level, comma-separated arguments of the call whose '(' ends just before
    ``start``, and the index after its ')'. Quotes: '...', "...", `...` (with doubled quotes,
    or backslash-escaped ones where the dialect reads backslash escapes)."""
    depth = 0
    args: list[str] = []
    current: list[str] = []
    i = start
    while i < len(sql):
        ch = sql[i]
        if ch in "'\"`":
            j = i + 1
            while j < len(sql):
                if backslash and sql[j] == "\\" and ch == "'":
                    j += 2
                    continue
                if sql[j] == ch:
                    if j + 1 < len(sql) and sql[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            current.append(sql[i : j + 1])
            i = j + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                text = "".join(current).strip()
                if text:
                    args.append(text)
                return args, i + 1
            depth -= 1
        elif ch == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    raise ValueError("unbalanced placeholder call in the generated SQL")
