"""What a batch run did: the frozen :class:`Summary`, and the :class:`SummaryCounter` that
builds it from the result stream (counts per modality, overall and by payer; CONTRACT §5)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from ketadecide.batch.row_checks import RowError
from ketadecide.batch.sql.compile import INDICATIONS, MAX_MASK_RULES, rule_bits
from ketadecide.batch.sql.decode import STATUSES
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import MODALITY_IDS


def _by_modality() -> dict[str, dict[str, Counter[str]]]:
    return {m: defaultdict(Counter) for m in MODALITY_IDS}


@dataclass(frozen=True)
class Summary:
    """What a run did: counts per modality, overall and by payer (CONTRACT §5 summary)."""

    input: str
    """The input's name (a path, ``<stdin>``, ``<profiles>``)."""
    output: str | None
    """Where the results went (a path, ``<stdout>``), or None when nothing was written."""
    errors_file: str | None
    """Where the row errors went, or None when they were not written to a file."""
    rows_in: int = 0
    rows_out: int = 0
    error_rows: int = 0
    decided_in_python: int = 0
    """Valid rows the SQL was unsure of, evaluated by the reference engine instead."""
    crisis: Counter[str] = field(default_factory=Counter)
    """Crisis count by payer."""
    rows_by_payer: Counter[str] = field(default_factory=Counter)
    status: dict[str, dict[str, Counter[str]]] = field(default_factory=_by_modality)
    """modality -> payer -> status -> count."""
    indication: dict[str, dict[str, Counter[str]]] = field(default_factory=_by_modality)
    """modality -> payer -> indication status -> count."""
    findings: dict[str, dict[str, Counter[str]]] = field(default_factory=_by_modality)
    """modality -> payer -> finding id -> count."""

    @property
    def accounted(self) -> bool:
        return self.rows_in == self.rows_out + self.error_rows

    def _block(self, payers: list[str]) -> dict[str, Any]:
        modalities = {}
        for m in MODALITY_IDS:
            status: Counter[str] = Counter()
            indication: Counter[str] = Counter()
            found: Counter[str] = Counter()
            for p in payers:
                status.update(self.status[m].get(p, Counter()))
                indication.update(self.indication[m].get(p, Counter()))
                found.update(self.findings[m].get(p, Counter()))
            block: dict[str, Any] = {s: status.get(s, 0) for s in STATUSES}
            modalities[m] = {
                **block,
                "indication": {i: indication.get(i, 0) for i in INDICATIONS},
                "findings": dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))),
            }
        return {
            "rows": sum(self.rows_by_payer[p] for p in payers),
            "crisis": sum(self.crisis[p] for p in payers),
            "modalities": modalities,
        }

    def to_dict(self) -> dict[str, Any]:
        payers = sorted(self.rows_by_payer)
        return {
            "input": self.input,
            "output": self.output,
            "errors_file": self.errors_file,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "error_rows": self.error_rows,
            "accounted_for": self.accounted,
            "decided_in_python": self.decided_in_python,
            "overall": self._block(payers),
            "by_payer": {p: self._block([p]) for p in payers},
        }


class SummaryCounter:
    """Counts a run's result chunks and row errors as they stream past; :meth:`summary`
    gives the frozen :class:`Summary`.

    With the rules' bit mask (``fired``, when every rule fits one), the findings are counted
    with one group-by per chunk, decoded per combination; otherwise from the findings text.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.rows_out = 0
        self.error_rows = 0
        self.decided_in_python = 0
        self._last_error_row: int | None = None
        self._crisis: Counter[str] = Counter()
        self._rows_by_payer: Counter[str] = Counter()
        self._status = _by_modality()
        self._indication = _by_modality()
        self._findings = _by_modality()
        self.bits = rule_bits(kb)
        rules: dict[str, dict[str, Any]] = {
            "condition": kb.conditions,
            "medication": kb.medications,
            "screen": kb.screens,
        }
        self.by_modality = {
            m: [(1 << i, ident) for i, (kind, ident) in enumerate(self.bits) if m in rules[kind][ident].severity]
            for m in MODALITY_IDS
        }
        self.masked = len(self.bits) <= MAX_MASK_RULES

    @property
    def rows_in(self) -> int:
        return self.rows_out + self.error_rows

    def add_error(self, error: RowError) -> None:
        """Count one row error (a row's errors come together, rows in ascending order)."""
        if error.row != self._last_error_row:
            self.error_rows += 1
            self._last_error_row = error.row

    def add_results(self, table: Any, fired: Any, decided_in_python: int = 0) -> None:
        """Count one result table (output columns, ``insurance`` among them); ``fired`` is the
        rule mask per row, or None."""
        self.decided_in_python += decided_in_python
        if table.num_rows == 0:
            return
        self.rows_out += table.num_rows
        if fired is not None and self.masked:
            self._count_masks(table, fired)
        else:
            self._count_findings_text(table)
        self._count_statuses(table)

    def merge(self, other: SummaryCounter) -> None:
        """Add ``other``'s counts to this counter's (the Spark engine counts each partition
        on its worker, then merges them)."""
        self.rows_out += other.rows_out
        self.error_rows += other.error_rows
        self.decided_in_python += other.decided_in_python
        self._crisis.update(other._crisis)
        self._rows_by_payer.update(other._rows_by_payer)
        for mine, theirs in (
            (self._status, other._status),
            (self._indication, other._indication),
            (self._findings, other._findings),
        ):
            for m, by_payer in theirs.items():
                for payer, counts in by_payer.items():
                    mine[m][payer].update(counts)

    def summary(self, *, input: str, output: str | None, errors_file: str | None) -> Summary:
        return Summary(
            input=input,
            output=output,
            errors_file=errors_file,
            rows_in=self.rows_in,
            rows_out=self.rows_out,
            error_rows=self.error_rows,
            decided_in_python=self.decided_in_python,
            crisis=self._crisis,
            rows_by_payer=self._rows_by_payer,
            status=self._status,
            indication=self._indication,
            findings=self._findings,
        )

    def _count_masks(self, table: Any, masks: Any) -> None:
        """Counts by payer from a few value counts per chunk, whatever the number of rows:
        one of (payer, crisis), and one of (payer, byte) per byte of the rule mask (a rule's
        count is the sum over the byte values with its bit set)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        payers = table.column("insurance").combine_chunks().dictionary_encode("encode")
        names = payers.dictionary.to_pylist()
        codes = payers.indices.cast(pa.int64())
        crisis = pc.cast(table.column("crisis"), pa.int64())
        for value, n in _value_counts(pc.add(pc.multiply(codes, 2), crisis)):
            payer = names[value >> 1]
            self._rows_by_payer[payer] += n
            if value & 1:
                self._crisis[payer] += n
        masks = masks.combine_chunks() if isinstance(masks, pa.ChunkedArray) else masks
        by_bit: dict[Any, list[int]] = {payer: [0] * len(self.bits) for payer in names}
        for low in range(0, len(self.bits), 8):
            byte = pc.bit_wise_and(pc.shift_right(masks, low), 0xFF)
            for value, n in _value_counts(pc.add(pc.multiply(codes, 256), byte)):
                found = by_bit[names[value >> 8]]
                for i in _BITS_OF_BYTE[value & 0xFF]:
                    found[low + i] += n
        for payer, found in by_bit.items():
            for m in MODALITY_IDS:
                counter = self._findings[m][payer]
                for bit, ident in self.by_modality[m]:
                    n = found[bit.bit_length() - 1]
                    if n:
                        counter[ident] += n

    def _count_findings_text(self, table: Any) -> None:
        """Counting from the findings text (when the rules do not fit one mask)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        ins = table.column("insurance")
        for row in table.group_by(["insurance"]).aggregate([("crisis", "sum"), ([], "count_all")]).to_pylist():
            self._rows_by_payer[row["insurance"]] += row["count_all"]
            self._crisis[row["insurance"]] += row["crisis_sum"] or 0
        for m in MODALITY_IDS:
            lists = pc.split_pattern(table.column(f"{m}_findings"), ";")
            flat = pc.list_flatten(lists)
            if len(flat) == 0:
                continue
            parents = pc.list_parent_indices(lists)
            found = pa.table({"insurance": ins.take(parents), "finding": flat})
            found = found.filter(pc.not_equal(found.column("finding"), ""))
            for row in found.group_by(["insurance", "finding"]).aggregate([([], "count_all")]).to_pylist():
                self._findings[m][row["insurance"]][row["finding"]] += row["count_all"]

    def _count_statuses(self, table: Any) -> None:
        """Status and indication counts by payer: one group-by per modality."""
        for m in MODALITY_IDS:
            col, ind = f"{m}_status", f"{m}_indication"
            grouped = table.select(["insurance", col, ind]).group_by(["insurance", col, ind])
            for row in grouped.aggregate([([], "count_all")]).to_pylist():
                self._status[m][row["insurance"]][row[col]] += row["count_all"]
                self._indication[m][row["insurance"]][row[ind]] += row["count_all"]


#: The set bits of each byte value.
_BITS_OF_BYTE: tuple[tuple[int, ...], ...] = tuple(tuple(i for i in range(8) if v >> i & 1) for v in range(256))


def _value_counts(values: Any) -> list[tuple[int, int]]:
    """(value, how many rows hold it) for each distinct value of an integer array."""
    counted = values.value_counts()
    return list(zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True))


__all__ = ["Summary", "SummaryCounter"]
