"""Status and findings per modality from what :func:`~ketadecide.batch.compile.rules_key_query`
returns per row: ``__screens`` (the screens that fired, a bit mask), ``__conds`` and
``__meds`` (the condition and medication lists ``;``-joined, in the profile's order).

The order is :func:`ketadecide.engine.evaluate`'s: by severity; within one, conditions
then medications in the profile's order (once each), then screens in the knowledge
base's order.

Why it is built this way: a cohort has few distinct values in each of the three columns,
and few distinct combinations of what they mean for one modality. So every distinct
value is decoded once (in Python, cached across batches) to a small integer *signature*
per modality; a row's combination is three integers folded into one; and each distinct
combination gets its findings text once. The status and findings columns come out as
dictionary arrays (indices into those few texts), so no per-row string is ever built:
the Parquet and CSV writers read the dictionaries directly.
"""

from __future__ import annotations

from typing import Any

from ketadecide.batch.compile import LIST_SEPARATOR_TEXT, SEVERITIES, rule_bits, severity_of
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.models import Rule
from ketadecide.profile import MODALITY_IDS

STATUSES = ("eligible", "caution", "contraindicated")
RANK = {"absolute": 2, "relative": 1}
#: The input column each rule kind is decoded from.
KINDS = (("condition", "__conds"), ("medication", "__meds"), ("screen", "__screens"))

# A signature: the ids that fired for one modality, per severity, and the status rank.
_Signature = tuple[tuple[tuple[str, ...], ...], int]


def status_dictionary() -> Any:
    """The one dictionary every status column shares (so tables can be grouped on it)."""
    import pyarrow as pa

    return pa.array(STATUSES, pa.string())


def status_array(ranks: list[int]) -> Any:
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.array(ranks, pa.int8()), status_dictionary())


class FindingsDecoder:
    """Turns the key columns of one result table into ``<m>_status``, ``<m>_findings`` and
    the rule masks ``__fired_condition``/``__fired_medication``/``__fired_screen``."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._rules: dict[str, dict[str, Rule]] = {
            "condition": dict(kb.conditions),
            "medication": dict(kb.medications),
            "screen": dict(kb.screens),
        }
        self._bit = {key: i for i, key in enumerate(rule_bits(kb))}
        self._screens = list(kb.screens)
        self._sev = {
            kind: {r: [severity_of(rule, m) for m in MODALITY_IDS] for r, rule in rules.items()}
            for kind, rules in self._rules.items()
        }
        # Per kind: distinct value -> (signature code per modality, rule mask).
        self._values: dict[str, dict[Any, tuple[list[int], int]]] = {k: {} for k, _ in KINDS}
        # Per kind and modality: the interned signatures (code = position).
        self._codes: dict[str, list[dict[_Signature, int]]] = {k: [{} for _ in MODALITY_IDS] for k, _ in KINDS}
        self._signatures: dict[str, list[list[_Signature]]] = {k: [[] for _ in MODALITY_IDS] for k, _ in KINDS}
        self._statuses = status_dictionary()
        # (kind, modality) -> (signatures covered, texts per severity, ranks) as arrays.
        self._arrays: dict[tuple[str, int], tuple[int, list[Any | None], Any]] = {}

    def _decode(self, kind: str, value: Any) -> tuple[list[int], int]:
        if value is None:  # a flagged row (dropped later); decoded as "nothing fired"
            fired: list[str] = []
        elif kind == "screen":
            fired = [s for i, s in enumerate(self._screens) if value >> i & 1]
        else:
            fired = value.split(LIST_SEPARATOR_TEXT) if value else []
        sev = self._sev[kind]
        known = [r for r in dict.fromkeys(fired) if r in sev]  # unknown ids: flagged rows only
        codes = []
        for j in range(len(MODALITY_IDS)):
            per_severity = tuple(tuple(r for r in known if sev[r][j] == s) for s in SEVERITIES)
            rank = max((RANK.get(s, 0) for s, ids in zip(SEVERITIES, per_severity, strict=True) if ids), default=0)
            signature: _Signature = (per_severity, rank)
            table = self._codes[kind][j]
            code = table.get(signature)
            if code is None:
                code = table[signature] = len(table)
                self._signatures[kind][j].append(signature)
            codes.append(code)
        mask = 0
        for r in known:
            mask |= 1 << self._bit[(kind, r)]
        return codes, mask

    def _column(self, kind: str, column: Any) -> tuple[list[Any], Any]:
        """Per modality the signature code of every row, and every row's rule mask."""
        import pyarrow as pa

        encoded = column.combine_chunks().dictionary_encode("encode")
        cache = self._values[kind]
        decoded = []
        for value in encoded.dictionary.to_pylist():
            hit = cache.get(value)
            if hit is None:
                hit = cache[value] = self._decode(kind, value)
            decoded.append(hit)
        # A null value (flagged rows only) gets the last, extra entry: nothing fired.
        decoded.append(self._decode(kind, None))
        idx = encoded.indices.fill_null(len(decoded) - 1)
        codes = [pa.array([d[0][j] for d in decoded], pa.int64()).take(idx) for j in range(len(MODALITY_IDS))]
        mask = pa.array([d[1] for d in decoded], pa.int64()).take(idx)
        return codes, mask

    def _pieces(self, kind: str, j: int) -> tuple[list[Any | None], Any]:
        """For one kind and modality, indexed by signature code: the text of each severity
        (ids each followed by the separator; None when always empty), and the rank."""
        import pyarrow as pa

        signatures = self._signatures[kind][j]
        hit = self._arrays.get((kind, j))
        if hit is not None and hit[0] == len(signatures):
            return hit[1], hit[2]
        texts: list[Any | None] = []
        for k in range(len(SEVERITIES)):
            column = ["".join(f"{i}{LIST_SEPARATOR_TEXT}" for i in sig[0][k]) for sig in signatures]
            texts.append(pa.array(column, pa.string()) if any(column) else None)
        ranks = pa.array([sig[1] for sig in signatures], pa.int8())
        self._arrays[(kind, j)] = (len(signatures), texts, ranks)
        return texts, ranks

    def expand(self, table: Any) -> Any:
        """``table`` with the key columns replaced by the status and findings columns and
        ``__fired`` (the rule mask)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        parts = {kind: self._column(kind, table.column(col)) for kind, col in KINDS}
        out = table.drop_columns([col for _, col in KINDS])
        for j, m in enumerate(MODALITY_IDS):
            n_med, n_scr = (len(self._signatures[kind][j]) for kind in ("medication", "screen"))
            cond, med, scr = (parts[kind][0][j] for kind, _ in KINDS)
            # One integer per row for its (condition, medication, screen) signatures ...
            combined = pc.add(pc.multiply(pc.add(pc.multiply(cond, n_med), med), n_scr), scr)
            encoded = combined.dictionary_encode()
            # ... so that the text is built once per distinct combination, not per row.
            keys = encoded.dictionary
            rest = pc.divide(keys, n_scr)  # integer division
            codes = [
                pc.divide(rest, n_med),
                pc.subtract(rest, pc.multiply(pc.divide(rest, n_med), n_med)),
                pc.subtract(keys, pc.multiply(rest, n_scr)),
            ]
            per_kind = [self._pieces(kind, j) for kind, _ in KINDS]
            pieces = [
                piece.take(code)
                for k in range(len(SEVERITIES))
                for (texts, _), code in zip(per_kind, codes, strict=True)
                if (piece := texts[k]) is not None
            ]
            ranks = [r.take(code) for (_, r), code in zip(per_kind, codes, strict=True)]
            rank = pc.max_element_wise(*ranks)
            if not pieces:
                findings = pa.array([""] * len(keys), pa.string())
            else:
                joined = pc.binary_join_element_wise(*pieces, "") if len(pieces) > 1 else pieces[0]
                findings = pc.utf8_rtrim(joined, characters=LIST_SEPARATOR_TEXT)
            idx = encoded.indices
            status = pa.DictionaryArray.from_arrays(pc.cast(rank, pa.int8()).take(idx), self._statuses)
            out = out.append_column(f"{m}_status", status)
            out = out.append_column(f"{m}_findings", pa.DictionaryArray.from_arrays(idx, findings))
        masks = [parts[kind][1] for kind, _ in KINDS]
        return out.append_column("__fired", pc.bit_wise_or(pc.bit_wise_or(masks[0], masks[1]), masks[2]))


__all__ = ["STATUSES", "FindingsDecoder", "status_array", "status_dictionary"]
