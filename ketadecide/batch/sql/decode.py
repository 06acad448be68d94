"""Status and findings per modality from what :func:`~ketadecide.batch.sql.compile.rules_key_query`
returns per row: ``__screens`` (the screens that fired, a bit mask), ``__conds`` and
``__meds`` (the condition and medication lists ``;``-joined, in the profile's order),
``__missing`` (the unanswered screening fields, a bit mask) and ``__ind_<modality>`` (the
indication, an index into :data:`~ketadecide.batch.sql.compile.INDICATIONS`).

The status follows CONTRACT §3's precedence: contraindicated (an absolute finding) >
incomplete (``missing`` not empty) > caution (a relative finding) > no_flags.

The order is :func:`ketadecide.engine.evaluate`'s: by severity; within one, conditions
then medications in the profile's order (once each), then screens in the knowledge
base's order.

Why it is built this way: for every modality, a row's findings and status depend only on
its condition list, its medication list, its screen mask and whether its screen is
incomplete. So each chunk is reduced to its distinct combinations of those (one integer
key per row, dictionary-encoded), and every text is built once per distinct combination
by Arrow kernels, never by Python per row or per combination:

* a distinct condition or medication list (a cohort has few) is decoded once in Python,
  cached across chunks, to its finding ids per modality and severity; each distinct
  (conditions, medications) pair's texts are then joined by Arrow;
* the screens of one modality and severity are looked up in a table holding the text of
  every subset of them (built once per knowledge base), after the row's subset is read
  from its mask by 8-bit slices (a cohort with many yes/no answers has thousands of
  distinct masks).

The status and findings columns come out as dictionary arrays, each findings dictionary
holding a text once (combinations that differ only in what a modality ignores share it),
so no string is built per row: the writers read the dictionaries.
"""

from __future__ import annotations

from typing import Any

from ketadecide.batch.sql.compile import INDICATIONS, LIST_SEPARATOR_TEXT, SEVERITIES, rule_bits, severity_of
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
#: The list columns, decoded per distinct value.
LISTS = (("condition", "__conds"), ("medication", "__meds"))
#: Most screens of one modality and severity looked up in one table (of 2**_GROUP texts,
#: built once per knowledge base).
_GROUP = 12
#: Screen-mask bits read per lookup when a row's group subset is gathered from its mask.
_SLICE = 8
#: Widest integer key built before it is compacted (dictionary-encoded to small codes):
#: keys stay below 2**62, so no shift overflows a signed 64-bit integer.
_KEY_BITS = 62
#: Distinct list values remembered across batches before the cache starts afresh (bounded
#: memory whatever the input holds).
MAX_CACHED_VALUES = 200_000

# A distinct list value decoded: per modality the text of each severity (the ids that
# fired, each followed by the separator) and the rank; and the rule mask.
_Decoded = tuple[list[list[str]], list[int], int]


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


def _texts(texts: list[str]) -> Any:
    """An Arrow string array, or None when every text is empty (nothing to join)."""
    import pyarrow as pa

    return pa.array(texts, pa.string()) if any(texts) else None


def _ids_text(ids: list[str]) -> str:
    return "".join(f"{r}{LIST_SEPARATOR_TEXT}" for r in ids)


class _ScreenGroup:
    """Screens of one severity for one modality (at most :data:`_GROUP`, in the knowledge
    base's order): the text of every subset of them, and how to find a row's subset."""

    def __init__(self, bits: list[int], ids: list[str], n_screens: int) -> None:
        import pyarrow as pa

        self.texts = pa.array(
            [_ids_text([r for i, r in enumerate(ids) if v >> i & 1]) for v in range(1 << len(ids))], pa.string()
        )
        # Per 8-bit slice of the mask that holds any of the group's screens: each slice
        # value's part of the subset's number (bit i: the group's screen i fired).
        self.parts: list[tuple[int, Any]] = []
        for t in range(0, n_screens, _SLICE):
            mine = [(i, b - t) for i, b in enumerate(bits) if t <= b < t + _SLICE]
            if mine:
                table = [sum(1 << i for i, b in mine if v >> b & 1) for v in range(1 << _SLICE)]
                self.parts.append((t // _SLICE, pa.array(table, pa.int32())))

    def subset(self, slices: list[Any]) -> Any:
        """Per row, the number of the subset of this group's screens that fired."""
        import pyarrow.compute as pc

        out = None
        for t, table in self.parts:
            part = table.take(slices[t])
            out = part if out is None else pc.add(out, part)
        return out


def first_rows(idx: Any) -> Any:
    """For dictionary indices ``idx``: the row where each code first occurs, by code.

    Arrow numbers a dictionary's values in order of first occurrence, so those rows are the
    ones whose code exceeds every code before it; should that order ever differ, the rows
    come from a group-by instead."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(idx)
    if n == 0:
        return pa.array([], pa.int64())
    before = pa.concat_arrays([pa.array([-1], idx.type), pc.cumulative_max(idx).slice(0, n - 1)])
    rows = pc.indices_nonzero(pc.greater(idx, before))
    if len(rows) == pc.max(idx).as_py() + 1:
        return rows
    table = pa.table({"code": idx, "row": pa.array(range(n), pa.int64())})
    return table.group_by("code").aggregate([("row", "min")]).sort_by("code").column("row_min").combine_chunks()


class FindingsDecoder:
    """Turns the key columns of one result table into ``<m>_status``, ``<m>_findings`` and
    ``__fired`` (the rule mask the summary counts findings from)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        assert len(SEVERITIES) == 3, "the texts are joined per severity, in this order"
        bits = {key: i for i, key in enumerate(rule_bits(kb))}
        lists: dict[str, dict[str, Rule]] = {"condition": dict(kb.conditions), "medication": dict(kb.medications)}
        # Per list kind: rule id -> (its bit in the rule mask, its severity's position per modality).
        self._info: dict[str, dict[str, tuple[int, list[int | None]]]] = {
            kind: {
                r: (bits[(kind, r)], [_position(severity_of(rule, m)) for m in MODALITY_IDS])
                for r, rule in rules.items()
            }
            for kind, rules in lists.items()
        }
        screens = list(kb.screens)
        self._n_screens = len(screens)
        # Screens are the last bits of the rule mask, in the order of the SQL's __screens.
        self._screen_shift = bits[("screen", screens[0])] if screens else 0
        # Per modality and severity: the screens' bits, and their lookup tables.
        self._screen_bits: list[list[int]] = []
        self._groups: list[list[list[_ScreenGroup]]] = []
        for m in MODALITY_IDS:
            by_severity = [
                [i for i, s in enumerate(screens) if severity_of(kb.screens[s], m) == sev] for sev in SEVERITIES
            ]
            self._screen_bits.append([sum(1 << i for i in found) for found in by_severity])
            self._groups.append(
                [
                    [
                        _ScreenGroup(found[g : g + _GROUP], [screens[i] for i in found[g : g + _GROUP]], len(screens))
                        for g in range(0, len(found), _GROUP)
                    ]
                    for found in by_severity
                ]
            )
        self._statuses = status_dictionary()
        self._indications = indication_dictionary()
        self._by_rank = {flag: _int8(codes) for flag, codes in _STATUS_BY_RANK.items()}
        self._missing_fields = list(kb.completeness.fields)
        self._missing_texts: dict[int, str] = {}
        self._reset()

    def _reset(self) -> None:
        self._values: dict[str, dict[Any, _Decoded]] = {kind: {} for kind, _ in LISTS}

    def _decode_list(self, kind: str, value: str | None) -> _Decoded:
        """A distinct list value: per modality its ids by severity (in the list's order, once
        each; unknown ids, in flagged rows only, ignored) and its rank, and its rule mask."""
        info = self._info[kind]
        fired = value.split(LIST_SEPARATOR_TEXT) if value else []
        texts = [["", "", ""] for _ in MODALITY_IDS]
        ranks = [0 for _ in MODALITY_IDS]
        mask = 0
        for r in dict.fromkeys(fired):
            if r not in info:
                continue
            bit, positions = info[r]
            mask |= 1 << bit
            for j, k in enumerate(positions):
                if k is not None:
                    texts[j][k] += f"{r}{LIST_SEPARATOR_TEXT}"
                    ranks[j] = max(ranks[j], RANK.get(SEVERITIES[k], 0))
        return texts, ranks, mask

    def _list_column(self, kind: str, column: Any) -> tuple[Any, list[_Decoded]]:
        """The column's dictionary indices, and its distinct values decoded."""
        # "encode": a null (a list not given) is a dictionary value of its own, decoded as
        # nothing fired, so the indices have no nulls.
        encoded = column.combine_chunks().dictionary_encode("encode")
        cache = self._values[kind]
        decoded = []
        for value in encoded.dictionary.to_pylist():
            hit = cache.get(value)
            if hit is None:
                hit = cache[value] = self._decode_list(kind, value)
            decoded.append(hit)
        return encoded.indices, decoded

    def _pairs(self, table: Any) -> tuple[Any, list[list[Any]], list[Any], Any]:
        """The distinct (conditions, medications) pairs: per row its pair's code; per pair,
        modality and severity the ids' text (None when always empty); per pair and
        modality the rank; per pair the rule mask."""
        import pyarrow as pa
        import pyarrow.compute as pc

        (c_idx, conds), (m_idx, meds) = (self._list_column(kind, table.column(col)) for kind, col in LISTS)
        key = _Key()
        key.add(c_idx, _width(len(conds)))
        key.add(m_idx, _width(len(meds)))
        idx, rows = key.encoded()
        ci, mi = c_idx.take(rows), m_idx.take(rows)
        texts: list[list[Any]] = []
        ranks: list[Any] = []
        for j in range(len(MODALITY_IDS)):
            per_severity = []
            for k in range(len(SEVERITIES)):
                parts = [
                    t.take(at)
                    for decoded, at in ((conds, ci), (meds, mi))
                    if (t := _texts([d[0][j][k] for d in decoded])) is not None
                ]
                per_severity.append(pc.binary_join_element_wise(*parts, "") if len(parts) > 1 else (parts or [None])[0])
            texts.append(per_severity)
            rank = [_int8([d[1][j] for d in decoded]).take(at) for decoded, at in ((conds, ci), (meds, mi))]
            ranks.append(pc.max_element_wise(*rank))
        masks = [pa.array([d[2] for d in decoded], pa.int64()).take(at) for decoded, at in ((conds, ci), (meds, mi))]
        return idx, texts, ranks, pc.bit_wise_or(*masks)

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
        p_idx, pair_texts, pair_ranks, pair_masks = self._pairs(table)
        missing, incomplete = self._missing_column(table.column("__missing"))
        # A conflict counts like a missing answer (CONTRACT §3): the screen is not complete.
        incomplete = pc.or_(incomplete, pc.not_equal(table.column("conflicts").combine_chunks(), ""))
        # A flagged row's mask may be null: decoded as nothing fired (the row is dropped later).
        screens = pc.fill_null(table.column("__screens").combine_chunks(), 0)
        key = _Key()
        key.add(p_idx, _width(len(pair_masks)))
        key.add(screens, self._n_screens)
        key.add(incomplete, 1)
        idx, rows = key.encoded()
        # One value per distinct combination from here on.
        pk, scr, inc = p_idx.take(rows), screens.take(rows), incomplete.take(rows)
        out = table.drop_columns([col for _, col in LISTS] + ["__screens", "__missing"])
        out = out.drop_columns([f"__ind_{m}" for m in MODALITY_IDS]).append_column("missing", missing)
        for j, m in enumerate(MODALITY_IDS):
            absolute, relative, _ = (pc.not_equal(pc.bit_wise_and(scr, b), 0) for b in self._screen_bits[j])
            screen_rank = pc.if_else(absolute, 2, pc.if_else(relative, 1, 0)).cast(pa.int8())
            rank = pc.max_element_wise(pair_ranks[j].take(pk), screen_rank)
            status = pc.if_else(inc, self._by_rank[True].take(rank), self._by_rank[False].take(rank))
            out = out.append_column(f"{m}_status", pa.DictionaryArray.from_arrays(status.take(idx), self._statuses))
            ind = pc.cast(table.column(f"__ind_{m}").combine_chunks(), pa.int8())
            out = out.append_column(f"{m}_indication", pa.DictionaryArray.from_arrays(ind, self._indications))
            codes, texts = self._findings(j, pair_texts[j], pk, scr)
            out = out.append_column(f"{m}_findings", pa.DictionaryArray.from_arrays(codes.take(idx), texts))
        fired = pc.bit_wise_or(pair_masks.take(pk), pc.shift_left(scr, self._screen_shift))
        return out.append_column("__fired", fired.take(idx))

    def _findings(self, j: int, pair_texts: list[Any], pk: Any, scr: Any) -> tuple[Any, Any]:
        """Modality ``j``'s findings for each combination (its pair ``pk``, its screens
        ``scr``): (per combination a code, the text of each code). A text is built once:
        combinations that differ only in what this modality ignores share a code, so the
        dictionary holds each text once, in order of first use."""
        import pyarrow as pa
        import pyarrow.compute as pc

        key = _Key()
        for texts in pair_texts:
            if texts is not None:
                encoded = texts.dictionary_encode()
                key.add(encoded.indices.take(pk), _width(len(encoded.dictionary)))
        # The screens this modality has a severity for (the bits of each severity are disjoint).
        key.add(pc.bit_wise_and(scr, sum(self._screen_bits[j])), self._n_screens)
        codes, rows = key.encoded()
        pk, scr = pk.take(rows), scr.take(rows)
        slices = [pc.bit_wise_and(pc.shift_right(scr, t), (1 << _SLICE) - 1) for t in range(0, self._n_screens, _SLICE)]
        # Joined in evaluate's order: per severity, the pair's ids, then the screens'.
        pieces = []
        for k, texts in enumerate(pair_texts):
            if texts is not None:
                pieces.append(texts.take(pk))
            pieces += [group.texts.take(group.subset(slices)) for group in self._groups[j][k]]
        if not pieces:
            return codes, pa.array([""] * len(rows), pa.string())
        joined = pc.binary_join_element_wise(*pieces, "") if len(pieces) > 1 else pieces[0]
        return codes, pc.utf8_rtrim(joined, characters=LIST_SEPARATOR_TEXT)


def _int8(values: list[int]) -> Any:
    import pyarrow as pa

    return pa.array(values, pa.int8())


def _width(n: int) -> int:
    """Bits that hold the codes 0 .. n - 1."""
    return max(n - 1, 0).bit_length()


class _Key:
    """One integer per row made of several small ones (each ``width`` bits wide), compacted
    into dictionary codes whenever the next part would not fit in :data:`_KEY_BITS`."""

    def __init__(self) -> None:
        self.key: Any = None
        self.width = 0

    def _compact(self) -> None:
        import pyarrow as pa

        encoded = self.key.dictionary_encode()
        self.key = encoded.indices.cast(pa.int64())
        self.width = _width(len(encoded.dictionary))

    def add(self, part: Any, width: int) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        part = part.cast(pa.int64())
        if self.key is None:
            self.key = pc.bit_wise_and(part, 0)  # a zero per row: the row count, no bits yet
        while width:
            if self.width >= _KEY_BITS:
                self._compact()
            take = min(width, _KEY_BITS - self.width)
            low = pc.bit_wise_and(part, (1 << take) - 1) if take < width else part
            self.key = pc.bit_wise_or(pc.shift_left(self.key, take), low)
            self.width += take
            part = pc.shift_right(part, take)
            width -= take

    def encoded(self) -> tuple[Any, Any]:
        """(per row the code of its key, the first row of each code)."""
        encoded = self.key.dictionary_encode()
        return encoded.indices, first_rows(encoded.indices)


__all__ = [
    "STATUSES",
    "FindingsDecoder",
    "first_rows",
    "indication_array",
    "status_array",
    "status_dictionary",
]
