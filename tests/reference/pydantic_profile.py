"""REFERENCE ONLY (tests): CONTRACT §1 written as a pydantic model.

ketadecide validates profiles with the field table in ``ketadecide/profile.py``; this
independent statement of the same contract lets a differential property test
(tests/core/test_profile_differential.py) check that the two accept and reject alike.

The patient profile of CONTRACT §1: one flat record, validated field by field.

The same model serves profile files, the consult, batch rows and the Python API, so a
value means the same thing wherever it comes from. Types are strict (a YAML ``"42"`` is
not an age) because a silently coerced clinical value is worse than a clear error.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from ketadecide.errors import InputError, Problem, problems_from_pydantic

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

StrictInt = Annotated[int, Strict()]
StrictBool = Annotated[bool, Strict()]
IdStr = Annotated[str, Strict(), Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
PhqItem = Annotated[int, Strict(), Field(ge=0, le=3)]
Rating = Annotated[int, Strict(), Field(ge=0, le=10)]

# Physiological sanity bounds: a reading outside them is a typo, not a patient.
BP_SYSTOLIC_RANGE = (50, 300)
BP_DIASTOLIC_RANGE = (20, 200)


class Profile(BaseModel):
    """One person's answers. Every field but ``age`` is optional (CONTRACT §1)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: (
        Annotated[
            str,
            Strict(),
            Field(max_length=200, pattern="^[^\\x00-\\x1f\\x7f-\\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]*$"),
        ]
        | None
    ) = None
    age: Annotated[int, Strict(), Field(ge=0, le=120)]
    pregnancy: Pregnancy | None = None
    diagnoses: tuple[Diagnosis, ...] | None = None
    antidepressant_trials: Annotated[int, Strict(), Field(ge=0, le=100)] | None = None
    suicidality: Suicidality = "unknown"
    phq9: Annotated[tuple[PhqItem, ...], Field(min_length=9, max_length=9)] | None = None
    bp_systolic: Annotated[int, Strict(), Field(ge=BP_SYSTOLIC_RANGE[0], le=BP_SYSTOLIC_RANGE[1])] | None = None
    bp_diastolic: Annotated[int, Strict(), Field(ge=BP_DIASTOLIC_RANGE[0], le=BP_DIASTOLIC_RANGE[1])] | None = None
    conditions: tuple[IdStr, ...] | None = None
    medications: tuple[IdStr, ...] | None = None
    insurance: Insurance = "unknown"
    budget_per_session: Annotated[float, Strict(), Field(ge=0, le=1_000_000)] | None = None
    has_driver: StrictBool | None = None
    can_attend_twice_weekly: StrictBool | None = None
    prefers_home: StrictBool | None = None
    needle_averse: StrictBool | None = None
    course_modality: ModalityId | None = None
    course_sessions: Annotated[int, Strict(), Field(ge=0, le=1000)] | None = None
    course_response: CourseResponse | None = None
    course_dissociation: CourseDissociation | None = None
    financial_stress: StrictBool | None = None
    # The SURE test (CONTRACT §1): four yes/no answers.
    sure_sure: StrictBool | None = None
    sure_understand: StrictBool | None = None
    sure_values: StrictBool | None = None
    sure_support: StrictBool | None = None
    oral_antidepressant: StrictBool | None = None
    # Values clarification (CONTRACT §1): 0-10 per shipped attribute, written out by hand.
    values_evidence: Rating | None = None
    values_cost: Rating | None = None
    values_time: Rating | None = None
    values_home: Rating | None = None
    values_needles: Rating | None = None
    values_monitoring: Rating | None = None
    # The next-step plan (CONTRACT §1): leaning, a calendar date, the person's own notes.
    plan_leaning: Literal["spravato", "iv", "im", "compounded", "unsure"] | None = None
    plan_decide_by: Annotated[str, Strict()] | None = None
    plan_notes: (
        Annotated[
            str,
            Strict(),
            Field(max_length=1000, pattern="^[^\\x00-\\x1f\\x7f-\\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]*$"),
        ]
        | None
    ) = None

    @field_validator("plan_decide_by", mode="before")
    @classmethod
    def _calendar_date(cls, value: Any) -> Any:
        # Written independently of ketadecide's regular expression: the calendar itself decides.
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            value = value.isoformat()
        if not isinstance(value, str) or len(value) != 10 or not value[:4].isdigit() or value[0] == "0":
            raise ValueError("expected a date written YYYY-MM-DD")
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError("expected a date written YYYY-MM-DD") from None
        if value[4] != "-" or value[7] != "-" or not (value[5:7] + value[8:]).isdigit():
            raise ValueError("expected a date written YYYY-MM-DD")
        return value

    @field_validator("budget_per_session", mode="before")
    @classmethod
    def _reject_bool_budget(cls, value: Any) -> Any:
        # pydantic would read True as 1.0 dollars; a budget of "yes" is a mistake.
        if isinstance(value, bool):
            raise ValueError("expected a number of dollars, got a boolean")
        return value

    @field_validator("bp_diastolic")
    @classmethod
    def _diastolic_below_systolic(cls, value: int | None, info: ValidationInfo) -> int | None:
        systolic = info.data.get("bp_systolic")
        if value is not None and systolic is not None and systolic <= value:
            raise ValueError(f"must be lower than bp_systolic ({systolic}); were the two swapped?")
        return value

    @property
    def phq9_total(self) -> int | None:
        """Sum of the nine PHQ-9 items (0-27), when given."""
        return sum(self.phq9) if self.phq9 is not None else None

    @property
    def phq9_item9(self) -> int | None:
        """PHQ-9 item 9 (thoughts of death or self-harm), when given."""
        return self.phq9[8] if self.phq9 is not None else None

    def to_record(self) -> dict[str, Any]:
        """The profile as a plain CONTRACT §1 record; fields that were not given are left out."""
        out: dict[str, Any] = {}
        for name, value in self.model_dump(exclude_none=True, exclude_unset=True).items():
            if isinstance(value, tuple):
                if value:
                    out[name] = list(value)
            else:
                out[name] = value
        return out


PROFILE_FIELDS: tuple[str, ...] = tuple(Profile.model_fields)


def parse_profile(data: object, *, source: str | None = None, row: int | None = None) -> Profile:
    """Validate a mapping into a :class:`Profile`, or raise :class:`InputError`.

    Every problem is reported at once (not just the first), each naming its field.
    """
    if data is None:
        raise InputError(Problem("the profile is empty", source, row=row))
    if not isinstance(data, Mapping):
        kind = type(data).__name__ if data is not None else "nothing"
        raise InputError(Problem(f"a profile must be a mapping of field: value, got {kind}", source, row=row))
    bad_keys = [k for k in data if not isinstance(k, str)]
    if bad_keys:
        raise InputError(Problem(f"field names must be text, got {bad_keys[0]!r}", source, row=row))
    # null means "not given", as an empty CSV cell does (CONTRACT §1).
    data = {k: v for k, v in data.items() if v is not None}
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            problems_from_pydantic(exc.errors(), source=source, row=row)  # type: ignore[arg-type]
        ) from None
