"""The batch output's columns (CONTRACT §5), and one output row built in Python.

The SQL (:mod:`ketadecide.batch.sql.compile`) builds the same columns for a whole cohort; a row
the SQL cannot vouch for is built here from :func:`ketadecide.engine.evaluate`'s result,
and the differential tests hold the two to the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ketadecide.batch.row_checks import LIST_SEPARATOR
from ketadecide.engine.fit import sure_score
from ketadecide.engine.result import Result
from ketadecide.profile import MODALITY_IDS, Profile

#: Per modality (issue 24): the out-of-pocket *estimate* per session in US dollars, low and
#: high (``out_of_pocket_usd.per_session`` in JSON), and the budget compared with it
#: (``cost_usd.within_budget``).
OUT_OF_POCKET_COLUMNS: tuple[str, ...] = ("oop_est_low", "oop_est_high", "within_budget")


def output_columns() -> list[str]:
    """The output columns in order: CONTRACT §5's, then ``row``, ``insurance``, ``sure_score``
    and per modality the out-of-pocket estimate (:data:`OUT_OF_POCKET_COLUMNS`; added at the
    end so that no earlier column moves)."""
    cols = ["id", "crisis", "missing", "conflicts", "stale"]
    for m in MODALITY_IDS:
        cols += [f"{m}_status", f"{m}_indication", f"{m}_findings", f"{m}_likely_covered"]
    return [*cols, "row", "insurance", "sure_score", *(f"{m}_{c}" for m in MODALITY_IDS for c in OUT_OF_POCKET_COLUMNS)]


def check_keep(keep: Sequence[str], columns: Sequence[str] | None) -> None:
    """``--keep``: each name given once, none an output column's name and, when the input's
    columns are known (CSV, Parquet), each one of them (``InputError``, exit 2, naming it)."""
    from ketadecide.errors import InputError, Problem

    taken = set(output_columns())
    seen: set[str] = set()
    for name in keep:
        if name == "" or name in seen:
            raise InputError(Problem(f"--keep: {'an empty name' if not name else repr(name) + ' given twice'}"))
        if name in taken:
            raise InputError(Problem(f"--keep: {name!r} is the name of an output column; rename it in the input"))
        if columns is not None and name not in columns:
            raise InputError(Problem(f"--keep: the input has no column {name!r}"))
        seen.add(name)


def kept_text(value: Any) -> str | None:
    """A ``--keep`` cell as text (CONTRACT §5): strings as they are, numbers and booleans as
    JSON writes them (a whole double as the integer it holds). Every engine writes this."""
    import json

    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return json.dumps(value, ensure_ascii=False, default=str)


def output_row(result: Result, profile: Profile, row: int) -> dict[str, Any]:
    """The batch output row for one evaluated profile (the same columns the SQL produces)."""
    out: dict[str, Any] = {
        "id": profile.id,
        "crisis": result.crisis.triggered,
        "missing": LIST_SEPARATOR.join(m.field for m in result.missing),
        "conflicts": LIST_SEPARATOR.join(c.id for c in result.conflicts),
        # Record values too old to use (FHIR import only): their fields.
        "stale": LIST_SEPARATOR.join(dict.fromkeys(s.field for s in result.stale)),
    }
    for m in MODALITY_IDS:
        mod = result.modality(m)
        out[f"{m}_status"] = mod.status
        out[f"{m}_indication"] = mod.indication.status
        out[f"{m}_findings"] = LIST_SEPARATOR.join(f.id for f in mod.findings)
        out[f"{m}_likely_covered"] = mod.coverage.likely_covered
    out["row"] = row
    out["insurance"] = profile.insurance
    out["sure_score"] = sure_score(profile)
    for m in MODALITY_IDS:
        cost = result.modality(m).cost
        # The engine always estimates; the estimate is DOUBLE in every engine's output.
        assert cost.out_of_pocket is not None
        low, high = cost.out_of_pocket.per_session
        out[f"{m}_oop_est_low"] = float(low)
        out[f"{m}_oop_est_high"] = float(high)
        out[f"{m}_within_budget"] = cost.within_budget
    return out


def output_schema(*, dictionary: bool = False, keep: Sequence[str] = ()) -> Any:
    """The output columns as an Arrow schema. With ``dictionary``, status, indication,
    findings and missing are dictionary arrays (as ``FindingsDecoder`` makes them); the
    files hold plain text either way. ``keep`` (``--keep``) adds those input columns, as
    text, right after ``id`` (CONTRACT §5)."""
    import pyarrow as pa

    status = pa.dictionary(pa.int8(), pa.string()) if dictionary else pa.string()
    findings = pa.dictionary(pa.int32(), pa.string()) if dictionary else pa.string()
    fields = [pa.field("id", pa.string()), *(pa.field(k, pa.string()) for k in keep)]
    fields += [
        pa.field("crisis", pa.bool_()),
        pa.field("missing", findings),
        pa.field("conflicts", pa.string()),
        pa.field("stale", pa.string()),
    ]
    for m in MODALITY_IDS:
        fields += [
            pa.field(f"{m}_status", status),
            pa.field(f"{m}_indication", status),
            pa.field(f"{m}_findings", findings),
            pa.field(f"{m}_likely_covered", pa.bool_()),
        ]
    fields += [pa.field("row", pa.int64()), pa.field("insurance", pa.string()), pa.field("sure_score", pa.int8())]
    for m in MODALITY_IDS:
        fields += [
            pa.field(f"{m}_oop_est_low", pa.float64()),
            pa.field(f"{m}_oop_est_high", pa.float64()),
            pa.field(f"{m}_within_budget", pa.bool_()),
        ]
    return pa.schema(fields)
