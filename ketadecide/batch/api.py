"""``ketadecide.evaluate_many``: the batch engine from Python.

    from ketadecide import evaluate_many

    run = evaluate_many("cohort.csv")              # or a list of profiles / mappings
    run.table                                      # pyarrow.Table, one row per valid input row
    df = run.table.to_pandas()                     # a pandas DataFrame (pandas installed)
    run.errors                                     # [{'row': 7, 'id': 'p7', 'field': 'age', ...}]
    run.summary.to_dict()                          # counts per modality, overall and by payer

Results are identical to calling :func:`ketadecide.evaluate` on each profile.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from ketadecide.batch.deps import require_batch_deps
from ketadecide.batch.run import Summary, run_batch
from ketadecide.errors import InputError
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import Profile

#: Profiles turned into JSON lines per batch handed to the engine.
_CHUNK = 65536


@dataclass(frozen=True)
class BatchRun:
    """The outcome of :func:`evaluate_many`."""

    table: Any
    """A ``pyarrow.Table``: the batch output columns (CONTRACT §5, plus ``row``, ``insurance``)."""
    errors: list[dict[str, Any]]
    """One entry per problem: ``row`` (1-based), ``id``, ``field``, ``error``."""
    summary: Summary

    def to_pandas(self) -> Any:
        """The results as a pandas DataFrame (needs pandas)."""
        return self.table.to_pandas()


def _json_line(item: object) -> str:
    if isinstance(item, Profile):
        item = item.to_record()
    try:
        return json.dumps(item, ensure_ascii=False, allow_nan=False, default=_not_json)
    except (TypeError, ValueError):
        # Not representable as JSON: hand on something the reference will reject, by row.
        return "{not JSON}"


def _not_json(value: object) -> object:
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(type(value).__name__)


def _json_lines_input(name: str, lines: Callable[[list[Any]], Iterator[str]]) -> Any:
    """Batch input from generated JSON lines. ``lines`` receives the list of set-aside
    records (``BadLine``) and may add to it as it goes; their rows are skipped in numbering
    and reported in the errors file."""
    import pyarrow as pa

    from ketadecide.batch.io import NUMBER_FIELDS, BadLine, Input, _Numberer

    schema = pa.schema([pa.field("line", pa.string()), *NUMBER_FIELDS])
    bad: list[BadLine] = []
    numberer = _Numberer(bad)
    inp = Input(name=name, fmt="jsonl", columns={"line": "json"}, schema=schema, batches=iter(()), bad_lines=bad)

    def batch(chunk: list[str]) -> pa.RecordBatch:
        out = pa.RecordBatch.from_arrays([pa.array(chunk, pa.string()), *numberer.next(len(chunk))], schema=schema)
        inp.stash.append(out)
        return out

    def gen() -> Iterator[pa.RecordBatch]:
        chunk: list[str] = []
        for line in lines(bad):
            chunk.append(line)
            if len(chunk) >= _CHUNK:
                yield batch(chunk)
                chunk = []
        if chunk:
            yield batch(chunk)

    inp.batches = gen()
    return inp


def fhir_input(location: str, kb: KnowledgeBase, as_of: Any = None) -> Any:
    """Bundles (a folder of ``*.json`` or an NDJSON file) as batch input: each mapped
    profile becomes a JSON line, and a bundle that cannot be read is set aside with its own
    problems, so it reaches the errors file under its row number."""
    from ketadecide.batch.io import BadLine
    from ketadecide.fhir import iter_bundle_profiles

    def lines(bad: list[Any]) -> Iterator[str]:
        for row, item in iter_bundle_profiles(location, kb, as_of):
            if isinstance(item, InputError):
                bad.append(BadLine(row, "", 0, 0, item.problems))
            else:
                yield _json_line(item)

    return _json_lines_input(location, lines)


def _iterable_input(items: Iterable[Profile | Mapping[str, Any]]) -> Any:
    inp = _json_lines_input("<profiles>", lambda _bad: (_json_line(item) for item in items))
    inp.read_ahead = False  # the caller's iterable is consumed on the caller's thread only
    return inp


def evaluate_many(
    source: str | PathLike[str] | Iterable[Profile | Mapping[str, Any]],
    kb: KnowledgeBase | None = None,
    *,
    input_format: str | None = None,
) -> BatchRun:
    """Evaluate many profiles at once: a CSV/JSONL/Parquet file, or an iterable of
    :class:`Profile` objects or plain mappings (read as JSON profiles are: strictly typed).

    Bad rows never stop the run; they are in :attr:`BatchRun.errors` with their row number.
    """
    require_batch_deps()
    import pyarrow.parquet as pq

    from ketadecide.knowledge import load_knowledge_base

    kb = kb if kb is not None else load_knowledge_base()
    out = io.BytesIO()
    errors = io.StringIO()
    if isinstance(source, str | PathLike):
        summary = run_batch(
            str(Path(source)),
            None,
            kb,
            input_format=input_format,
            output_format="parquet",
            stdout=out,
            errors_stream=errors,
        )
    else:
        summary = run_batch(
            "<profiles>",
            None,
            kb,
            output_format="parquet",
            stdout=out,
            errors_stream=errors,
            opened=_iterable_input(source),
        )
    table = pq.read_table(io.BytesIO(out.getvalue()))
    rows = list(csv.DictReader(io.StringIO(errors.getvalue())))
    for r in rows:
        r["row"] = int(r["row"])
    return BatchRun(table=table, errors=rows, summary=summary)


__all__ = ["BatchRun", "evaluate_many"]
