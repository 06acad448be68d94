"""A clinic's data directory is an overlay on the bundled knowledge base: it adds and
tightens, it never loosens.

The label floor is the bundled data itself. A clinic's directory holds only what it adds or
changes (``overlay.yaml`` names the bundled release it was written against), and each of its
files is merged into the bundled file of the same name, on the parsed YAML, before anything
is validated:

* a key the bundled file lacks is an addition (a rule, a source, a question, a payer's local
  price, a completeness field, a local crisis line), except inside a record the bundled data
  marks ``floor:``, where only the structured additions below are allowed;
* a rule the bundled data defines fires when either fires: a different ``when`` is combined
  with the bundled one by ``any`` (so a narrower predicate or a moved threshold can only make
  it fire more), and each modality's severity may be raised, never lowered;
* numbers with a safe direction may move only that way: coverage may become less generous
  (``likely_covered``, ``prior_authorization``, ``requires_on_label``, ``min_age``), the
  failed trials that define TRD may rise, a headline may be switched on;
* a bundled record marked ``floor:`` (label, crisis path, indication, payer, codes,
  consensus) keeps its words and its other values: its sources may grow, nothing else
  changes; unmarked values (a modality's local prices) may be replaced;
* the wording of every question (and its choices) whose field any rule, indication,
  coverage, completeness or crisis check reads is locked; that set is worked out from the
  bundled data (:func:`locked_fields`), not kept by hand;
* nothing is removed: a key the clinic leaves out keeps the bundled value.

Anything that would loosen is refused, one problem per key, naming the clinic's file, the
key and what the bundled data says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ketadecide.errors import Problem

#: The file in a clinic's directory that says what the directory is.
OVERLAY_FILE = "overlay.yaml"

SEVERITY_RANK: dict[str, int] = {"info": 0, "relative": 1, "absolute": 2}

#: Values ordered from strictest (0) up; an overlay may move only down this order. A key
#: absent from a record has its model's default (the first value given for absence).
GENEROSITY: dict[str, dict[Any, int]] = {
    "likely_covered": {False: 0, None: 1, True: 2},
    "prior_authorization": {True: 0, None: 1, False: 2},
    "requires_on_label": {True: 0, False: 1},
    "headline": {True: 0, False: 1},
}
#: What an absent key means (the model's default).
ABSENT: dict[str, Any] = {"requires_on_label": False, "headline": False, "min_age": None}
#: Numbers where higher is stricter (a coverage's minimum age, the trials that define TRD).
HIGHER_IS_STRICTER = frozenset({"min_age", "min_failed_trials"})
#: Keys that may be added inside a record marked ``floor:`` (structured, never free prose).
ADDABLE_IN_FLOOR = frozenset({"local_lines", "not_advised", *GENEROSITY, *HIGHER_IS_STRICTER})
#: Lists of records matched by ``id`` where a new id would loosen (a new on-label path).
NO_NEW_IDS = frozenset({"on_label"})
#: Records inside a marked one that are the clinic's own to state: its local prices.
LOCAL_KEYS = frozenset({"cost_per_session_usd"})
#: Values an overlay states whole, never as a partial difference.
WHOLE_KEYS = frozenset({"when", "ask_if", "local_lines", *LOCAL_KEYS})


@dataclass
class Merger:
    """Merges one clinic file into its bundled counterpart, collecting refusals."""

    file: str
    """The clinic's file, as problems name it."""
    locked: frozenset[str] = frozenset()
    """Questions only: the profile fields whose questions' wording is locked."""
    problems: list[Problem] = field(default_factory=list)

    def refuse(self, path: tuple[str, ...], message: str) -> None:
        self.problems.append(Problem(f"clinical floor: {message}", self.file, ".".join(path) or None))

    # ---------------------------------------------------------------- values

    def merge(self, bundled: Any, clinic: Any, path: tuple[str, ...] = (), marked: bool = False) -> Any:
        if isinstance(bundled, dict) and isinstance(clinic, dict):
            return self._merge_dict(bundled, clinic, path, marked or "floor" in bundled)
        if isinstance(bundled, list) and isinstance(clinic, list):
            return self._merge_list(bundled, clinic, path, marked)
        if _same(bundled, clinic):
            return bundled
        if marked:
            self.refuse(path, f"a clinic may not change this label-floor value (bundled: {_show(bundled)})")
            return bundled
        return clinic

    def _merge_dict(self, bundled: dict[str, Any], clinic: dict[str, Any], path: tuple[str, ...], marked: bool) -> Any:
        if self._is_locked_question(bundled):
            marked = True
        out = dict(bundled)
        for key, value in clinic.items():
            here = (*path, str(key))
            if key not in bundled:
                out[key] = self._addition(key, value, here, marked, path)
            else:
                out[key] = self._merge_key(key, bundled[key], value, here, marked)
        return out

    def _addition(self, key: str, value: Any, path: tuple[str, ...], marked: bool, parent: tuple[str, ...]) -> Any:
        if key in ABSENT or key in GENEROSITY:
            return self._ordered(key, ABSENT.get(key), value, path)
        if not marked or key in ADDABLE_IN_FLOOR or _completeness_fields(parent):
            return value
        self.refuse(path, "a clinic may not add to a label-floor record (add its own rule or record instead)")
        return None

    def _merge_key(self, key: str, bundled: Any, clinic: Any, path: tuple[str, ...], marked: bool) -> Any:
        if key == "floor":
            if clinic != bundled:
                self.refuse(path, f"the floor marker is the bundled data's (bundled: {bundled})")
            return bundled
        if key == "sources" and isinstance(bundled, list) and isinstance(clinic, list):
            return [*bundled, *(s for s in clinic if s not in bundled)]
        if key == "reviewed" and isinstance(bundled, dt.date) and isinstance(clinic, dt.date):
            return min(bundled, clinic)  # the older check stands
        if key == "severity" and isinstance(bundled, dict) and isinstance(clinic, dict):
            return self._severity(bundled, clinic, path)
        if key == "not_advised" and isinstance(bundled, list) and isinstance(clinic, list):
            # "Not advised" only tightens: a clinic may add a modality, never drop one.
            return [*bundled, *(m for m in clinic if m not in bundled)]
        if key == "when" and path[0] == "screens" and isinstance(clinic, dict):
            # The rule fires when either fires: a narrower clinic predicate cannot hide it.
            return bundled if clinic == bundled else {"any": [bundled, clinic]}
        if key in GENEROSITY or key in HIGHER_IS_STRICTER:
            return self._ordered(key, bundled, clinic, path)
        if key in LOCAL_KEYS:
            return clinic  # replaced whole: the model checks its shape
        return self.merge(bundled, clinic, path, marked)

    def _severity(self, bundled: dict[str, Any], clinic: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
        out = dict(bundled)
        for modality, severity in clinic.items():
            was = bundled.get(modality)
            if was is None or not isinstance(severity, str) or severity not in SEVERITY_RANK:
                out[modality] = severity  # a new modality flagged, or a value the model refuses
            elif SEVERITY_RANK[severity] < SEVERITY_RANK.get(was, 0):
                self.refuse(path, f"a clinic may raise a severity, not lower it (bundled: {was} for {modality})")
            else:
                out[modality] = severity
        return out

    def _ordered(self, key: str, bundled: Any, clinic: Any, path: tuple[str, ...]) -> Any:
        if key in HIGHER_IS_STRICTER:
            was, now = _num(bundled), _num(clinic)
            if was is not None and (now is None or now < was):
                self.refuse(path, f"a clinic may raise this number, not lower it (bundled: {_show(bundled)})")
                return bundled
            return clinic
        order = GENEROSITY[key]
        known = _hashable(clinic) and clinic in order and _hashable(bundled) and bundled in order
        if known and order[clinic] > order[bundled]:
            self.refuse(path, f"a clinic may make this stricter, not more generous (bundled: {_show(bundled)})")
            return bundled
        return clinic

    def _merge_list(self, bundled: list[Any], clinic: list[Any], path: tuple[str, ...], marked: bool) -> Any:
        if _same(bundled, clinic):
            return bundled
        if _all_ids(bundled) and _all_ids(clinic):
            by_id = {item["id"]: item for item in bundled}
            out = list(bundled)
            index = {item["id"]: i for i, item in enumerate(bundled)}
            for item in clinic:
                ident = item["id"]
                if ident in by_id:
                    out[index[ident]] = self.merge(by_id[ident], item, (*path, str(ident)), marked)
                elif path and path[-1] in NO_NEW_IDS:
                    self.refuse((*path, str(ident)), "a clinic may not add an indication path (it can only loosen)")
                else:
                    out.append(item)
            return out
        if marked:
            self.refuse(path, "a clinic may not change this label-floor list")
            return bundled
        return clinic

    def _is_locked_question(self, record: Mapping[str, Any]) -> bool:
        if not self.locked or "kind" not in record or "id" not in record:
            return False
        fills = record.get("fills") or record["id"]
        fields = ("bp_systolic", "bp_diastolic") if record.get("kind") == "bp" else (fills,)
        return any(f in self.locked for f in fields)


def merge_file(name: str, file: str, bundled: Any, clinic: Any, locked: frozenset[str]) -> tuple[Any, list[Problem]]:
    """The bundled file ``name`` with the clinic's file merged in, and the refusals."""
    if clinic is None:
        problem = Problem(
            "the file is empty: an overlay file states what it adds or tightens (delete it if nothing)", file
        )
        return bundled, [problem]
    if not isinstance(clinic, dict):
        return clinic, []  # not a mapping: the model names what is wrong
    merger = Merger(file, locked if name == "questions.yaml" else frozenset())
    if name == "questions.yaml" and "messages" in clinic and clinic["messages"] != bundled.get("messages"):
        # The consult's own words around the safety question and the PHQ-9: locked.
        merger.refuse(("messages",), "the consult's messages are the bundled data's")
        clinic = {k: v for k, v in clinic.items() if k != "messages"}
    merged = merger.merge(bundled, clinic)
    if name == "contraindications.yaml" and isinstance(merged, dict) and isinstance(bundled, dict):
        merged = {**merged, "freshness": _freshness(merger, bundled.get("freshness"), merged.get("freshness"))}
    return merged, merger.problems


def _freshness(merger: Merger, bundled: Any, merged: Any) -> Any:
    """A record's freshness windows after the merge: a clinic may shorten a window (an old
    value is then set aside sooner), never lengthen it, nor drop a field from it. Checked
    on the merged record, per value, so a new ``by_value`` entry cannot lengthen a value
    that fell under the bundled ``window_days`` either. A refused record stays bundled."""
    if not isinstance(bundled, dict) or not isinstance(merged, dict):
        return merged
    out = dict(merged)
    for ident, was in bundled.items():
        now = merged.get(ident)
        if not isinstance(was, dict) or not isinstance(now, dict) or now is was:
            continue
        path = ("freshness", str(ident))
        before = len(merger.problems)
        if not set(was.get("fields") or ()) <= set(now.get("fields") or ()):
            merger.refuse(
                (*path, "fields"),
                f"a clinic may not drop a field from a freshness window (bundled: {_show(was.get('fields'))})",
            )
        for value in {None, *(was.get("by_value") or {}), *(now.get("by_value") or {})}:
            old, new = _window(was, value), _window(now, value)
            if old is not None and (new is None or new > old):
                key = (
                    (*path, "window_days")
                    if value is None or value not in (now.get("by_value") or {})
                    else (*path, "by_value", str(value))
                )
                merger.refuse(key, f"a clinic may shorten a freshness window, not lengthen it (bundled: {old} days)")
        if len(merger.problems) > before:
            out[ident] = was
    return out


def _window(record: Mapping[str, Any], value: Any) -> int | None:
    """The window for one value (``None``: the record's own ``window_days``), as a number."""
    by_value = record.get("by_value") or {}
    days = by_value.get(value, record.get("window_days")) if value is not None else record.get("window_days")
    return days if isinstance(days, int) and not isinstance(days, bool) else None


# ------------------------------------------------------------------ locked question fields


def locked_fields(raw: Mapping[str, Any]) -> frozenset[str]:
    """The profile fields some check reads, from the bundled files' parsed YAML (``raw``:
    file name -> data): every predicate's field (screens, indications, troubleshooting),
    the completeness fields, the condition and medication lists, ``suicidality`` (the crisis
    check), ``insurance`` (it picks the coverage record) and ``age`` when a coverage record
    has a minimum age."""
    fields: set[str] = set()
    contra = raw.get("contraindications.yaml") or {}
    modalities = raw.get("modalities.yaml") or {}
    for tree in (contra, modalities, raw.get("troubleshooting.yaml") or {}):
        fields.update(_predicate_fields(tree))
    fields.update((contra.get("completeness") or {}).get("fields") or {})
    if contra.get("conditions"):
        fields.add("conditions")
    if contra.get("medications"):
        fields.add("medications")
    if contra.get("crisis"):
        fields.add("suicidality")
    for modality in (modalities.get("modalities") or {}).values():
        coverage = modality.get("coverage") if isinstance(modality, dict) else None
        if isinstance(coverage, dict) and coverage:
            fields.add("insurance")
            if any(isinstance(c, dict) and c.get("min_age") is not None for c in coverage.values()):
                fields.add("age")
            if any(isinstance(c, dict) and c.get("requires_on_label") for c in coverage.values()):
                fields.update(_predicate_fields(modality.get("indication") or {}))
    return frozenset(fields)


def _predicate_fields(tree: Any) -> Iterator[str]:
    if isinstance(tree, dict):
        if isinstance(tree.get("field"), str) and "op" in tree:
            yield tree["field"]
        for value in tree.values():
            yield from _predicate_fields(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _predicate_fields(value)


# ------------------------------------------------------------------ diff (data overlay)


def minimal_overlay(bundled: Any, copy: Any) -> Any:
    """What ``copy`` changes or adds relative to ``bundled``, as an overlay would state it
    (``None`` when nothing). Records matched by ``id`` in lists keep their ``id``."""
    if isinstance(bundled, dict) and isinstance(copy, dict):
        out: dict[str, Any] = {}
        for key, value in copy.items():
            if key not in bundled:
                out[key] = value
            elif key in WHOLE_KEYS:
                if not _same(bundled[key], value):
                    out[key] = value  # stated whole: a predicate or a price is not merged piecewise
            else:
                diff = minimal_overlay(bundled[key], value)
                if diff is not None:
                    out[key] = diff
        # A later review date alone changes nothing (the merge keeps the older one).
        return out if set(out) - {"reviewed"} else None
    if isinstance(bundled, list) and isinstance(copy, list) and _all_ids(bundled) and _all_ids(copy):
        by_id = {item["id"]: item for item in bundled}
        items = []
        for item in copy:
            if item["id"] not in by_id:
                items.append(item)
            else:
                diff = minimal_overlay(by_id[item["id"]], item)
                if diff is not None:
                    items.append({"id": item["id"], **diff})
        return items or None
    return None if _same(bundled, copy) else copy


# ------------------------------------------------------------------ helpers


def _same(a: Any, b: Any) -> bool:
    return (type(a) is type(b) and a == b) or (_num(a) is not None and _num(a) == _num(b))


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _hashable(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def _all_ids(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items)


def _completeness_fields(parent: tuple[str, ...]) -> bool:
    return parent[-2:] == ("completeness", "fields")


def _show(value: Any) -> str:
    words = {True: "true", False: "false", None: "null"}
    text = words[value] if value is None or isinstance(value, bool) else " ".join(str(value).split())
    return text if len(text) <= 60 else text[:57] + "..."
