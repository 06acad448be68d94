"""Status and findings per modality from what :func:`~ketadecide.batch.compile.rules_key_query`
returns per row: ``__screens`` (the screens that fired, a bit mask), ``__conds`` and
``__meds`` (the condition and medication lists ``;``-joined, in the profile's order),
``__missing`` (the unanswered screening fields, a bit mask) and ``__ind_<modality>`` (the
indication, an index into :data:`~ketadecide.batch.compile.INDICATIONS`).

The status follows CONTRACT §3's precedence: contraindicated (an absolute finding) >
incomplete (``missing`` not empty) > caution (a relative finding) > no_flags.

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

from ketadecide.batch.compile import INDICATIONS, LIST_SEPARATOR_TEXT, SEVERITIES, rule_bits, severity_of
from ketadecide.engine.result import STATUSES
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.models import Rule
from ketadecide.profile import MODALITY_IDS

RANK = {"absolute": 2, "relative": 1}
#: Status code (an index into STATUSES) by severity rank (0 none, 1 relative, 2 absolute),
#: for a complete screen and for an incomplete one.
_STATUS_BY_RANK = {
    False: [STATUSES.index(s) for s in ("no_flags", "caution", "contraindicated")],
    True: [STATUSES.index(s) for s in ("incomplete", "incomplete", "contraindicated")],
}
#: The input column each rule kind is decoded from.
KINDS = (("condition", "__conds"), ("medication", "__meds"), ("screen", "__screens"))

# A signature: for one modality, the text of each severity (the ids that fired, each
# followed by the separator) and the status rank. Equal signatures mean equal findings.
_Signature = tuple[str, str, str, int]
#: Screen bits decoded together (a mask is decoded from its 6-bit slices' cached texts).
_SLICE = 6
#: Distinct values remembered across batches before the caches start afresh (bounded
#: memory whatever the input holds).
MAX_CACHED_VALUES = 200_000


def _position(severity: str | None) -> int | None:
    return SEVERITIES.index(severity) if severity in SEVERITIES else None


def status_dictionary() -> Any:
    """The one dictionary every status column shares (so tables can be grouped on it)."""
    import pyarrow as pa

    return pa.array(STATUSES, pa.string())


def status_array(codes: list[int]) -> Any:
    """A status column from indices into :data:`STATUSES`."""
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int8()), status_dictionary())


def indication_dictionary() -> Any:
    """The one dictionary every indication column shares."""
    import pyarrow as pa

    return pa.array(INDICATIONS, pa.string())


def indication_array(codes: list[int]) -> Any:
    """An indication column from indices into :data:`INDICATIONS`."""
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int8()), indication_dictionary())


class FindingsDecoder:
    """Turns the key columns of one result table into ``<m>_status``, ``<m>_findings`` and
    ``__fired`` (the rule mask the summary counts findings from)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        assert len(SEVERITIES) == 3, "a _Signature holds one text per severity"
        rules: dict[str, dict[str, Rule]] = {
            "condition": dict(kb.conditions),
            "medication": dict(kb.medications),
            "screen": dict(kb.screens),
        }
        bits = {key: i for i, key in enumerate(rule_bits(kb))}
        self._screens = list(kb.screens)
        # Screens are the last bits of the rule mask, in the order of the SQL's __screens.
        self._screen_shift = bits[("screen", self._screens[0])] if self._screens else 0
        # Per kind: rule id -> (its bit in the rule mask, its severity's position per modality).
        self._info: dict[str, dict[str, tuple[int, list[int | None]]]] = {
            kind: {
                r: (
                    bits[(kind, r)],
                    [_position(severity_of(rule, m)) for m in MODALITY_IDS],
                )
                for r, rule in kind_rules.items()
            }
            for kind, kind_rules in rules.items()
        }
        self._statuses = status_dictionary()
        self._indications = indication_dictionary()
        self._missing_fields = list(kb.completeness.fields)
        self._missing_texts: dict[int, str] = {}
        self._slices: dict[tuple[int, int, int], _Signature] = {}
        self._reset()

    def _reset(self) -> None:
        # Per kind: distinct value -> (signature code per modality, rule mask).
        self._values: dict[str, dict[Any, tuple[list[int], int]]] = {k: {} for k, _ in KINDS}
        # Per kind and modality: signature -> code, and the codes' texts and ranks in order.
        self._codes: dict[str, list[dict[_Signature, int]]] = {k: [{} for _ in MODALITY_IDS] for k, _ in KINDS}
        self._texts: dict[str, list[list[list[str]]]] = {
            k: [[[] for _ in SEVERITIES] for _ in MODALITY_IDS] for k, _ in KINDS
        }
        self._ranks: dict[str, list[list[int]]] = {k: [[] for _ in MODALITY_IDS] for k, _ in KINDS}
        # (kind, modality) -> (codes covered, texts per severity, ranks) as arrays.
        self._arrays: dict[tuple[str, int], tuple[int, list[Any | None], Any]] = {}

    def _signature(self, kind: str, j: int, ids: list[str]) -> _Signature:
        info = self._info[kind]
        texts = ["", "", ""]
        rank = 0
        for r in ids:
            k = info[r][1][j]
            if k is not None:
                texts[k] += f"{r}{LIST_SEPARATOR_TEXT}"
                rank = max(rank, RANK.get(SEVERITIES[k], 0))
        return texts[0], texts[1], texts[2], rank

    def _screen_signature(self, j: int, value: int) -> _Signature:
        """A screen mask's signature, joined from its slices' (each cached once)."""
        texts = ["", "", ""]
        rank = 0
        start = 0
        while value >> start:
            part = (value >> start) & ((1 << _SLICE) - 1)
            key = (j, start, part)
            sig = self._slices.get(key)
            if sig is None:
                fired = [s for i, s in enumerate(self._screens[start : start + _SLICE]) if part >> i & 1]
                sig = self._slices[key] = self._signature("screen", j, fired)
            texts = [t + piece for t, piece in zip(texts, sig[:3], strict=True)]
            rank = max(rank, sig[3])
            start += _SLICE
        return texts[0], texts[1], texts[2], rank

    def _intern(self, kind: str, j: int, sig: _Signature) -> int:
        table = self._codes[kind][j]
        code = table.get(sig)
        if code is None:
            code = table[sig] = len(table)
            for k in range(len(SEVERITIES)):
                self._texts[kind][j][k].append(sig[k])  # type: ignore[arg-type]
            self._ranks[kind][j].append(sig[3])
        return code

    def _decode(self, kind: str, value: Any) -> tuple[list[int], int]:
        """A distinct value of a key column: its signature code per modality, its rule mask."""
        if kind == "screen":
            screens = value or 0  # None: a flagged row (dropped later), decoded as nothing fired
            codes = [self._intern(kind, j, self._screen_signature(j, screens)) for j in range(len(MODALITY_IDS))]
            return codes, screens << self._screen_shift
        info = self._info[kind]
        fired = value.split(LIST_SEPARATOR_TEXT) if value else []
        known = [r for r in dict.fromkeys(fired) if r in info]  # unknown ids: flagged rows only
        codes = [self._intern(kind, j, self._signature(kind, j, known)) for j in range(len(MODALITY_IDS))]
        mask = 0
        for r in known:
            mask |= 1 << info[r][0]
        return codes, mask

    def _column(self, kind: str, column: Any) -> tuple[list[Any], Any]:
        """Per modality the signature code of every row, and every row's rule mask."""
        import pyarrow as pa

        # "encode": a null (flagged rows only) is a dictionary value of its own, decoded as
        # nothing fired, so the indices have no nulls.
        encoded = column.combine_chunks().dictionary_encode("encode")
        cache = self._values[kind]
        decoded = []
        for value in encoded.dictionary.to_pylist():
            hit = cache.get(value)
            if hit is None:
                hit = cache[value] = self._decode(kind, value)
            decoded.append(hit)
        idx = encoded.indices
        codes = [pa.array([d[0][j] for d in decoded], pa.int64()).take(idx) for j in range(len(MODALITY_IDS))]
        mask = pa.array([d[1] for d in decoded], pa.int64()).take(idx)
        return codes, mask

    def _pieces(self, kind: str, j: int) -> tuple[list[Any | None], Any]:
        """For one kind and modality, indexed by signature code: the text of each severity
        (None when always empty), and the rank."""
        import pyarrow as pa

        size = len(self._codes[kind][j])
        hit = self._arrays.get((kind, j))
        if hit is not None and hit[0] == size:
            return hit[1], hit[2]
        texts = [pa.array(column, pa.string()) if any(column) else None for column in self._texts[kind][j]]
        ranks = pa.array(self._ranks[kind][j], pa.int8())
        self._arrays[(kind, j)] = (size, texts, ranks)
        return texts, ranks

    def _missing_column(self, masks: Any) -> tuple[Any, Any]:
        """(the ``missing`` column as a dictionary array, per row whether it is non-empty)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        masks = masks.combine_chunks()
        encoded = masks.dictionary_encode()
        texts = []
        for value in encoded.dictionary.to_pylist():
            text = self._missing_texts.get(value)
            if text is None:
                fields = [f for i, f in enumerate(self._missing_fields) if value >> i & 1]
                text = self._missing_texts[value] = LIST_SEPARATOR_TEXT.join(fields)
            texts.append(text)
        column = pa.DictionaryArray.from_arrays(encoded.indices, pa.array(texts, pa.string()))
        return column, pc.not_equal(masks, 0)

    def expand(self, table: Any) -> Any:
        """``table`` with the key columns replaced by the status, indication, findings and
        missing columns and ``__fired`` (the rule mask)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if sum(len(v) for v in self._values.values()) > MAX_CACHED_VALUES:
            self._reset()
        parts = {kind: self._column(kind, table.column(col)) for kind, col in KINDS}
        missing, incomplete = self._missing_column(table.column("__missing"))
        by_rank = {flag: pa.array(codes, pa.int8()) for flag, codes in _STATUS_BY_RANK.items()}
        indications = {m: table.column(f"__ind_{m}").combine_chunks() for m in MODALITY_IDS}
        out = table.drop_columns([col for _, col in KINDS] + ["__missing"] + [f"__ind_{m}" for m in MODALITY_IDS])
        out = out.append_column("missing", missing)
        for j, m in enumerate(MODALITY_IDS):
            n_med, n_scr = (len(self._codes[kind][j]) for kind in ("medication", "screen"))
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
            row_rank = pc.cast(rank, pa.int8()).take(idx)
            codes = pc.if_else(incomplete, by_rank[True].take(row_rank), by_rank[False].take(row_rank))
            status = pa.DictionaryArray.from_arrays(codes, self._statuses)
            out = out.append_column(f"{m}_status", status)
            ind = pa.DictionaryArray.from_arrays(pc.cast(indications[m], pa.int8()), self._indications)
            out = out.append_column(f"{m}_indication", ind)
            out = out.append_column(f"{m}_findings", pa.DictionaryArray.from_arrays(idx, findings))
        masks = [parts[kind][1] for kind, _ in KINDS]
        return out.append_column("__fired", pc.bit_wise_or(pc.bit_wise_or(masks[0], masks[1]), masks[2]))


__all__ = ["STATUSES", "FindingsDecoder", "indication_array", "status_array", "status_dictionary"]
