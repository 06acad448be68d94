"""The patient profile of CONTRACT §1: one flat record, validated field by field.

The same rules serve profile files, the consult, batch rows and the Python API, so a
value means the same thing wherever it comes from. Types are strict (a YAML ``"42"`` is
not an age) because a silently coerced clinical value is worse than a clear error.

The rules are a table (:data:`FIELD_SPECS`) rather than a pydantic model: the record is
flat, the table is read by the validator here, by the consult (one answer at a time) and
by the batch engine, and it keeps pydantic's ~70 ms import off the single-comparison
path. ``tests/reference/pydantic_profile.py`` holds the same contract as a pydantic
model, and a differential property test proves the two accept and reject alike.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal, get_args

from ketadecide.errors import MAX_REPORTED, InputError, Problem, did_you_mean

ModalityId = Literal["spravato", "iv", "im", "compounded"]
MODALITY_IDS: tuple[str, ...] = get_args(ModalityId)

Pregnancy = Literal["none", "pregnant", "breastfeeding", "planning"]
Diagnosis = Literal["mdd", "bipolar_depression", "ptsd", "gad", "ocd", "chronic_pain", "other"]
Suicidality = Literal["none", "passive_ideation", "active_ideation", "plan_or_intent", "unknown"]
Insurance = Literal["commercial", "medicare", "medicaid", "va_tricare", "uninsured", "unknown"]
Payer = Literal["commercial", "medicare", "medicaid", "va_tricare", "uninsured"]
PAYERS: tuple[str, ...] = get_args(Payer)
CourseResponse = Literal["none", "partial", "fading", "sustained"]
CourseDissociation = Literal["tolerable", "too_intense"]

#: Suicidality answers that trigger the crisis screen (CONTRACT §3). Fixed by the
#: contract, not by the data, so a clinic's knowledge base cannot switch it off.
CRISIS_SUICIDALITY: frozenset[str] = frozenset({"active_ideation", "plan_or_intent"})

#: Attributes a person can rate 0-10 (values clarification), one profile field
#: ``values_<id>`` each (CONTRACT §1). The one list of them: FIELD_SPECS, the Profile's
#: fields, the JSON Schema and the batch columns all follow it, and ``data/values.yaml``
#: (how each option stands on each attribute, cited) may only use these ids.
VALUE_ATTRIBUTES: tuple[str, ...] = ("evidence", "cost", "time", "home", "needles", "monitoring")
VALUE_FIELDS: tuple[str, ...] = tuple(f"values_{a}" for a in VALUE_ATTRIBUTES)
VALUE_RANGE = (0, 10)
#: The four SURE test answers (O'Connor & Légaré), in the test's order: S, U, R, E.
SURE_FIELDS: tuple[str, ...] = ("sure_sure", "sure_understand", "sure_values", "sure_support")
#: The personal next-step plan after a SURE "no" (CONTRACT §1; Ottawa Personal Decision Guide).
PLAN_FIELDS: tuple[str, ...] = ("plan_leaning", "plan_decide_by", "plan_notes")
#: ``plan_leaning``: a modality, or not sure yet.
PLAN_LEANINGS: tuple[str, ...] = (*MODALITY_IDS, "unsure")
PLAN_NOTES_MAX = 1000

# Physiological sanity bounds: a reading outside them is a typo, not a patient.
BP_SYSTOLIC_RANGE = (50, 300)
BP_DIASTOLIC_RANGE = (20, 200)
#: The two fields one blood-pressure reading fills (the consult asks them as one answer).
BP_FIELDS: tuple[str, str] = ("bp_systolic", "bp_diastolic")
#: The PHQ-9 scale (Kroenke 2001): nine items scored 0-3, so a total of 0-27.
PHQ9_ITEMS = 9
PHQ9_ITEM_MAX = 3
PHQ9_MAX = PHQ9_ITEMS * PHQ9_ITEM_MAX

_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: Characters free text (the profile ``id``) may not hold: C0/C1 controls and DEL (they
#: could rewrite a terminal or a report), bidirectional marks, overrides and isolates (text
#: that reads differently than it is), and the invisible ones (zero-width spaces and joiners,
#: line and paragraph separators, the byte-order mark). The non-ASCII characters are written
#: literally so the same class works in Python, JSON Schema (ECMA-262) and DuckDB (RE2).
UNSAFE_TEXT_CLASS = "\\x00-\\x1f\\x7f-\\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff"
ID_TEXT_PATTERN = f"^[^{UNSAFE_TEXT_CLASS}]*$"
#: A calendar date ``YYYY-MM-DD`` (years 1000-9999), as one regular expression so that
#: Python, JSON Schema and every SQL dialect's validator check exactly the same thing: month
#: 01-12; day 01-28 always, 29-30 except in February, 31 in the long months, and 29 February
#: in leap years (divisible by 4, not by 100 unless by 400). A test proves it agrees with
#: :func:`datetime.date.fromisoformat` on every date of several centuries.
_LEAP_YEAR = "(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)"
DATE_PATTERN = (
    "^(?:[1-9][0-9]{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
    f"|(?:0[13578]|1[02])-31)|{_LEAP_YEAR}-02-29)$"
)
_DATE = re.compile(DATE_PATTERN)
#: Lone surrogates are not text at all (JSON "\\ud800"); UTF-8 sources cannot hold them.
_UNSAFE_TEXT = re.compile(f"[{UNSAFE_TEXT_CLASS}\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one profile field is checked. ``kind`` is the type as the contract states it."""

    kind: Literal["int", "number", "bool", "str", "date", "enum", "enum_list", "id_list", "int_list"]
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    length: int | None = None
    """Exact number of items (PHQ-9: nine)."""
    max_length: int | None = None
    """Longest text allowed."""
    default: Any = None
    decision: bool = False
    """An answer given after the comparison (values clarification, SURE): never read by a
    screening rule."""


FIELD_SPECS: dict[str, FieldSpec] = {
    "id": FieldSpec("str", max_length=200),
    "age": FieldSpec("int", required=True, minimum=0, maximum=120),
    # Absent is "not asked" (None), never "none": CONTRACT §1, schema 2.
    "pregnancy": FieldSpec("enum", choices=get_args(Pregnancy)),
    "diagnoses": FieldSpec("enum_list", choices=get_args(Diagnosis)),
    "antidepressant_trials": FieldSpec("int", minimum=0, maximum=100),
    "suicidality": FieldSpec("enum", choices=get_args(Suicidality), default="unknown"),
    "phq9": FieldSpec("int_list", minimum=0, maximum=PHQ9_ITEM_MAX, length=PHQ9_ITEMS),
    "bp_systolic": FieldSpec("int", minimum=BP_SYSTOLIC_RANGE[0], maximum=BP_SYSTOLIC_RANGE[1]),
    "bp_diastolic": FieldSpec("int", minimum=BP_DIASTOLIC_RANGE[0], maximum=BP_DIASTOLIC_RANGE[1]),
    # None = not asked; () = asked, none (the CSV cell ``none``).
    "conditions": FieldSpec("id_list"),
    "medications": FieldSpec("id_list"),
    "insurance": FieldSpec("enum", choices=get_args(Insurance), default="unknown"),
    "budget_per_session": FieldSpec("number", minimum=0, maximum=1_000_000),
    "has_driver": FieldSpec("bool"),
    "can_attend_twice_weekly": FieldSpec("bool"),
    "prefers_home": FieldSpec("bool"),
    "needle_averse": FieldSpec("bool"),
    "course_modality": FieldSpec("enum", choices=MODALITY_IDS),
    "course_sessions": FieldSpec("int", minimum=0, maximum=1000),
    "course_response": FieldSpec("enum", choices=get_args(CourseResponse)),
    "course_dissociation": FieldSpec("enum", choices=get_args(CourseDissociation)),
    "financial_stress": FieldSpec("bool"),
    **{name: FieldSpec("bool", decision=True) for name in SURE_FIELDS},
    # Whether an oral antidepressant is taken now: the Spravato MDSI indication is "in
    # conjunction with an oral antidepressant" (PI §1). A screening answer, read by rules.
    "oral_antidepressant": FieldSpec("bool"),
    **{name: FieldSpec("int", minimum=VALUE_RANGE[0], maximum=VALUE_RANGE[1], decision=True) for name in VALUE_FIELDS},
    "plan_leaning": FieldSpec("enum", choices=PLAN_LEANINGS, decision=True),
    "plan_decide_by": FieldSpec("date", decision=True),
    "plan_notes": FieldSpec("str", max_length=PLAN_NOTES_MAX, decision=True),
}
PROFILE_FIELDS: tuple[str, ...] = tuple(FIELD_SPECS)


def fields_of_kind(*kinds: str, decision: bool | None = None) -> tuple[str, ...]:
    """The profile fields of the given kinds, in :data:`FIELD_SPECS` order; with
    ``decision`` given, only the decision answers (True) or only the others (False). Every
    list of field kinds elsewhere is derived from here."""
    return tuple(
        name
        for name, spec in FIELD_SPECS.items()
        if spec.kind in kinds and (decision is None or spec.decision == decision)
    )


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_date(value: object) -> tuple[object, str | None]:
    # A YAML file reads an unquoted 2026-12-20 as a date; JSON and CSV give the text.
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        value = value.isoformat()
    if not isinstance(value, str) or not _DATE.match(value):
        return value, f"expected a date written YYYY-MM-DD, got {_shown(value)}"
    return value, None


def _check_scalar(spec: FieldSpec, value: object) -> tuple[object, str | None]:
    """(normalised value, None) or (value, what is wrong)."""
    kind = spec.kind
    if kind in ("int", "int_list"):
        # bool is an int in Python; in a clinical record it is a mistake.
        if isinstance(value, bool) or not isinstance(value, int):
            return value, f"expected a whole number, got {_shown(value)}"
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value, f"expected a number, got {_shown(value)}"
        if not math.isfinite(value):
            return value, f"expected a finite number, got {_shown(value)}"
        value = float(value)
    elif kind == "bool":
        if not isinstance(value, bool):
            return value, f"expected true or false, got {_shown(value)}"
        return value, None
    elif kind == "str":
        if not isinstance(value, str):
            return value, f"expected text, got {_shown(value)}"
        if spec.max_length is not None and len(value) > spec.max_length:
            return value, f"is longer than {spec.max_length} characters"
        bad = _UNSAFE_TEXT.search(value)
        if bad:
            # Echoed into terminals, Markdown and HTML: no escapes, bidi overrides or halves of pairs.
            return value, f"must not contain control characters or invisible ones (found U+{ord(bad.group()):04X})"
        return value, None
    elif kind == "date":
        return _check_date(value)
    elif kind in ("enum", "enum_list"):
        if not isinstance(value, str) or value not in spec.choices:
            return value, f"expected one of {', '.join(spec.choices)}; got {_shown(value)}"
        return value, None
    elif kind == "id_list":
        if not isinstance(value, str) or not _ID_PATTERN.match(value):
            return value, f"expected an id in lower_snake_case, got {_shown(value)}"
        return value, None
    assert isinstance(value, int | float)
    if spec.minimum is not None and value < spec.minimum:
        return value, f"must be at least {spec.minimum:g}, got {_shown(value)}"
    if spec.maximum is not None and value > spec.maximum:
        return value, f"must be at most {spec.maximum:g}, got {_shown(value)}"
    return value, None


_NUMBER_TEXT = re.compile(r"^\s*-?[0-9]+(?:\.[0-9]+)?\s*$")
_MONEY_TEXT = re.compile(r"^\s*(?:US)?\$?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*\$?\s*(?:USD|dollars)?\s*$", re.IGNORECASE)
_BP_TEXT = re.compile(r"^\s*([0-9]{2,3})\s*/\s*([0-9]{2,3})\s*$")
_TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on", "t"})
_FALSE_WORDS = frozenset({"false", "no", "n", "0", "off", "f"})
#: Other words people use for a field: the key is what they wrote, the value the field.
FIELD_SYNONYMS: dict[str, str] = {
    "dx": "diagnoses",
    "diagnosis": "diagnoses",
    "condition": "conditions",
    "comorbidities": "conditions",
    "medication": "medications",
    "meds": "medications",
    "drugs": "medications",
    "payer": "insurance",
    "insurer": "insurance",
    "budget": "budget_per_session",
    "pregnant": "pregnancy",
    "suicide": "suicidality",
    "suicidal": "suicidality",
    "phq": "phq9",
    "phq_9": "phq9",
    "trials": "antidepressant_trials",
    "failed_trials": "antidepressant_trials",
    "driver": "has_driver",
    "systolic": "bp_systolic",
    "diastolic": "bp_diastolic",
}


def _plain_integer(text: str) -> str | None:
    """The plain decimal form of a whole number written another way ("-0" -> "0", "065" ->
    "65", "2.0" -> "2"), or ``None`` when ``text`` is not a whole number."""
    try:
        number = float(text)
    except ValueError:
        return None
    return str(int(number)) if number.is_integer() and number >= 0 else None


def _hint(name: str, spec: FieldSpec, value: object) -> str:
    """What to write instead, when the mistake is a common one (``""`` otherwise)."""
    if isinstance(value, str):
        bp = _BP_TEXT.match(value)
        if bp and name in ("bp_systolic", "bp_diastolic"):
            return f"; split it: bp_systolic: {bp.group(1)} and bp_diastolic: {bp.group(2)}"
        if spec.kind in ("int", "int_list", "number") and _NUMBER_TEXT.match(value):
            text = value.strip()
            plain = _plain_integer(text) if spec.kind != "number" else None
            if plain is not None and plain != text:
                # Not quoted: a form the contract refuses in every format (-0, 065, 2.0).
                return f"; write it as {name}: {plain} (digits only, no sign, leading zero or decimals)"
            return f"; remove the quotes: {name}: {text} (a number, not text)"
        money = _MONEY_TEXT.match(value)
        if spec.kind == "number" and money:
            return f"; write the number alone, without '$' or commas: {name}: {money.group(1).replace(',', '')}"
        if spec.kind == "bool" and (hint := _bool_word_hint(value)):
            return hint
        if spec.kind in ("enum", "enum_list"):
            return did_you_mean(value, spec.choices)
    if spec.kind == "bool" and isinstance(value, int) and value in (0, 1):
        return f"; did you mean {'true' if value else 'false'}?"
    return ""


def cell_hint(name: str, text: str) -> str:
    """What to write instead of a text cell (CSV) that a field cannot read, when the
    mistake is a common one (``""`` otherwise): the hints a profile file gets, for cells."""
    spec = FIELD_SPECS.get(name)
    if spec is None:
        return ""
    if spec.kind in ("int", "number"):
        bp = _BP_TEXT.match(text)
        if bp and name in ("bp_systolic", "bp_diastolic"):
            return f"; split it: bp_systolic {bp.group(1)} and bp_diastolic {bp.group(2)}"
        money = _MONEY_TEXT.match(text)
        if money and not _NUMBER_TEXT.match(text):
            return f"; write the number alone, without '$' or commas: {money.group(1).replace(',', '')}"
    if spec.kind == "bool":
        return _bool_word_hint(text)
    return ""


def _bool_word_hint(text: str) -> str:
    """``yes``/``no`` and their kin, as the boolean they mean (``""`` for any other word)."""
    word = text.strip().casefold()
    if word in _TRUE_WORDS:
        return "; did you mean true?"
    if word in _FALSE_WORDS:
        return "; did you mean false?"
    return ""


def unknown_field_message(key: str, value: object = None) -> str:
    """An unknown field, in plain words, with the field probably meant."""
    if key.casefold().replace("-", "_").replace(" ", "_") in ("bp", "blood_pressure", "bloodpressure"):
        bp = _BP_TEXT.match(value) if isinstance(value, str) else None
        s, d = (bp.group(1), bp.group(2)) if bp else ("150", "95")
        return f"unknown field: not a profile field; use bp_systolic: {s} and bp_diastolic: {d}"
    terms = {**{f: f for f in FIELD_SPECS}, **FIELD_SYNONYMS}
    return f"unknown field: not a profile field{did_you_mean(key, terms)} (`ketadecide ids fields` lists them)"


UNKNOWN_FIELD_PLAIN = "unknown field: not a profile field (`ketadecide ids fields` lists them)"


def _check_field(name: str, value: object) -> tuple[object, list[tuple[str, str]]]:
    """Validate one field: (normalised value, [(field path, problem)])."""
    checked, problems = _check_field_plain(name, value)
    if problems:
        spec = FIELD_SPECS[name]
        hinted = []
        for path, msg in problems:
            item = value
            if path != name and isinstance(value, list | tuple):
                item = value[int(path[len(name) + 1 : -1])]
            hinted.append((path, msg + _hint(name, spec, item)))
        problems = hinted
    return checked, problems


def _check_field_plain(name: str, value: object) -> tuple[object, list[tuple[str, str]]]:
    spec = FIELD_SPECS[name]
    if value is None:
        if spec.required:
            return value, [(name, "required field is missing")]
        return spec.default, []
    if spec.kind.endswith("_list"):
        if not isinstance(value, list | tuple):
            item = f"[{value}]" if isinstance(value, str) and value.strip() else "[...]"
            return value, [(name, f"expected a list, got {_shown(value)}; write {name}: {item}")]
        if spec.length is not None and len(value) != spec.length:
            return value, [(name, f"expected exactly {spec.length} items, got {len(value)}")]
        if len(value) > 100:
            return value, [(name, f"expected at most 100 items, got {len(value)}")]
        items: list[object] = []
        problems = []
        for i, item in enumerate(value):
            checked, problem = _check_scalar(spec, item)
            items.append(checked)
            if problem:
                problems.append((f"{name}[{i}]", problem))
        return tuple(items), problems
    checked, problem = _check_scalar(spec, value)
    return checked, [(name, problem)] if problem else []


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """One person's answers (CONTRACT §1). Every field but ``age`` is optional.

    Building one validates it: ``Profile(age="40")`` raises :class:`InputError`.
    """

    age: int
    id: str | None = None
    pregnancy: Pregnancy | None = None
    """None: not asked."""
    diagnoses: tuple[Diagnosis, ...] | None = None
    """None: not asked; ``()``: asked, none of the listed diagnoses."""
    antidepressant_trials: int | None = None
    suicidality: Suicidality = "unknown"
    phq9: tuple[int, ...] | None = None
    bp_systolic: int | None = None
    bp_diastolic: int | None = None
    conditions: tuple[str, ...] | None = None
    """None: not asked; ``()``: asked, none."""
    medications: tuple[str, ...] | None = None
    """None: not asked; ``()``: asked, none."""
    insurance: Insurance = "unknown"
    budget_per_session: float | None = None
    has_driver: bool | None = None
    can_attend_twice_weekly: bool | None = None
    prefers_home: bool | None = None
    needle_averse: bool | None = None
    course_modality: ModalityId | None = None
    course_sessions: int | None = None
    course_response: CourseResponse | None = None
    course_dissociation: CourseDissociation | None = None
    financial_stress: bool | None = None
    sure_sure: bool | None = None
    """SURE: sure about the best choice."""
    sure_understand: bool | None = None
    """SURE: knows the benefits and risks of each option."""
    sure_values: bool | None = None
    """SURE: clear about which benefits and risks matter most."""
    sure_support: bool | None = None
    """SURE: has enough support and advice to make a choice."""
    oral_antidepressant: bool | None = None
    """Currently taking an oral antidepressant (None: not asked)."""
    values_evidence: int | None = None
    """0-10: how much the strength of the evidence matters (None: not rated)."""
    values_cost: int | None = None
    values_time: int | None = None
    values_home: int | None = None
    values_needles: int | None = None
    values_monitoring: int | None = None
    plan_leaning: str | None = None
    """The option the person leans toward (a modality id) or ``unsure``; None: not asked."""
    plan_decide_by: str | None = None
    """``YYYY-MM-DD``: when the person wants to decide by."""
    plan_notes: str | None = None
    """The person's own questions and people to involve (one line, at most 1,000 characters)."""

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        for f in fields(self):
            checked, found = _check_field(f.name, getattr(self, f.name))
            problems += [Problem(msg, None, path) for path, msg in found]
            if not found and checked is not getattr(self, f.name):
                object.__setattr__(self, f.name, checked)
        s, d = self.bp_systolic, self.bp_diastolic
        bp_valid = not any(p.field in ("bp_systolic", "bp_diastolic") for p in problems)
        if bp_valid and s is not None and d is not None and s <= d:
            problems.append(
                Problem(
                    f"the lower (diastolic) number, {d}, must be below the upper (systolic) number, {s}; "
                    "were the two swapped",
                    None,
                    "bp_diastolic",
                )
            )
        if problems:
            raise InputError(problems)

    @property
    def values(self) -> dict[str, int]:
        """The attributes the person rated, ``{attribute id: 0-10}``, in VALUE_ATTRIBUTES order."""
        out = {}
        for attribute, name in zip(VALUE_ATTRIBUTES, VALUE_FIELDS, strict=True):
            rating = getattr(self, name)
            if rating is not None:
                out[attribute] = rating
        return out

    @property
    def sure_answers(self) -> dict[str, bool]:
        """The SURE answers given, ``{field: yes?}``, in the test's order."""
        return {name: getattr(self, name) for name in SURE_FIELDS if getattr(self, name) is not None}

    @property
    def phq9_total(self) -> int | None:
        """Sum of the nine PHQ-9 items (0-27), when given."""
        return sum(self.phq9) if self.phq9 is not None else None

    @property
    def phq9_item9(self) -> int | None:
        """PHQ-9 item 9 (thoughts of death or self-harm), when given."""
        return self.phq9[8] if self.phq9 is not None else None

    def to_record(self) -> dict[str, Any]:
        """The profile as a plain CONTRACT §1 record; fields not given (None) are omitted, and an
        empty list stays ``[]`` ("asked, none" is an answer)."""
        out: dict[str, Any] = {}
        for name in FIELD_SPECS:
            value = getattr(self, name)
            if value is None:
                continue
            out[name] = list(value) if isinstance(value, tuple) else value
        return out


def parse_profile(data: object, *, source: str | None = None, row: int | None = None) -> Profile:
    """Validate a mapping into a :class:`Profile`, or raise :class:`InputError`.

    Every problem is reported at once (not just the first), each naming its field.
    """
    if data is None:
        raise InputError(Problem("the profile is empty", source, row=row))
    if not isinstance(data, Mapping):
        raise InputError(
            Problem(f"a profile must be a mapping of field: value, got {type(data).__name__}", source, row=row)
        )
    problems = []
    for key in data:
        if not isinstance(key, str):
            problems.append(Problem(f"field names must be text, got {_shown(key)}", source, row=row))
        elif key not in FIELD_SPECS:
            # A did-you-mean costs an edit distance per field; past the problems anyone is
            # shown (a hostile file has thousands of keys) the plain words will do.
            message = unknown_field_message(key, data[key]) if len(problems) < MAX_REPORTED else UNKNOWN_FIELD_PLAIN
            problems.append(Problem(message, source, key, row))
    if problems:
        # Report unknown fields together with the known fields' own problems.
        try:
            _build({k: v for k, v in data.items() if k in FIELD_SPECS}, source, row)
        except InputError as exc:
            problems += exc.problems
        raise InputError(problems)
    return _build(data, source, row)


def _build(data: Mapping[str, Any], source: str | None, row: int | None) -> Profile:
    if "age" not in data:
        # Check the rest too, so one run shows every problem.
        try:
            Profile(age=0, **{k: v for k, v in data.items() if k != "age"})
        except InputError as exc:
            raise InputError(
                [Problem("required field is missing", source, "age", row)]
                + [Problem(p.message, source, p.field, row) for p in exc.problems]
            ) from None
        raise InputError(Problem("required field is missing", source, "age", row))
    try:
        return Profile(**data)
    except InputError as exc:
        raise InputError([Problem(p.message, source, p.field, row) for p in exc.problems]) from None


def profile_json_schema() -> dict[str, Any]:
    """The JSON Schema of a profile record, derived from :data:`FIELD_SPECS`.

    Published as ``schema/profile.schema.json`` (a test keeps the file in step). The
    systolic-above-diastolic rule spans two fields and is checked by ketadecide itself.
    """
    props: dict[str, Any] = {}
    for name, spec in FIELD_SPECS.items():
        item: dict[str, Any]
        if spec.kind in ("int", "int_list"):
            item = {"type": "integer"}
        elif spec.kind == "number":
            item = {"type": "number"}
        elif spec.kind == "bool":
            item = {"type": "boolean"}
        elif spec.kind in ("enum", "enum_list"):
            item = {"enum": list(spec.choices)}
        elif spec.kind == "id_list":
            item = {"type": "string", "pattern": _ID_PATTERN.pattern}
        elif spec.kind == "date":
            item = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
        else:
            item = {"type": "string", "pattern": ID_TEXT_PATTERN}
            if spec.max_length is not None:
                item["maxLength"] = spec.max_length
        if spec.minimum is not None:
            item["minimum"] = spec.minimum
        if spec.maximum is not None:
            item["maximum"] = spec.maximum
        if spec.kind.endswith("_list"):
            item = {"type": "array", "items": item, "maxItems": 100}
            if spec.length is not None:
                item.update(minItems=spec.length, maxItems=spec.length)
        props[name] = {"anyOf": [item, {"type": "null"}]} if not spec.required else item
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://ketadecide.invalid/schema/profile-v1.json",
        "title": "ketadecide patient profile (CONTRACT §1)",
        "description": "One flat record; null means not given. Condition and medication ids must "
        "also exist in the knowledge base in use.",
        "type": "object",
        "required": [n for n, s in FIELD_SPECS.items() if s.required],
        "additionalProperties": False,
        "properties": props,
    }


_WHOLE_NUMBER_FIELDS = frozenset(fields_of_kind("int"))


def typed_whole_number(field: str, value: Any) -> Any:
    """A typed double with no fractional part in a whole-number field, as the integer it is
    (CONTRACT §1: the double ``2.0`` pandas writes for a column with gaps is the integer 2);
    any other value unchanged, for the profile's own check to judge."""
    if field in _WHOLE_NUMBER_FIELDS and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def typed_whole_numbers(data: dict[str, Any]) -> dict[str, Any]:
    """A JSON object's whole-number doubles (``2.0``, and PHQ-9 items such as ``[1.0, 2.0]``) as
    the integers they are, as :func:`typed_whole_number` reads a Parquet double (CONTRACT §1: a typed
    number with no fractional part). Text such as ``"2.0"`` is left for the profile to refuse."""
    out = {name: typed_whole_number(name, value) for name, value in data.items()}
    items = out.get("phq9")
    if isinstance(items, list):
        out["phq9"] = [int(x) if isinstance(x, float) and x.is_integer() else x for x in items]
    return out
