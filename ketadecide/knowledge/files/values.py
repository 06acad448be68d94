"""``values.yaml``: the attributes a person can rate and where each option stands
(decision support; validated when first used)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from ketadecide.knowledge.models import Cited, RecordId, Strict, Wording
from ketadecide.profile import MODALITY_IDS, VALUE_ATTRIBUTES


class Attribute(Cited):
    """One attribute a person can rate (profile field ``values_<id>``), and where each option stands."""

    label: Wording
    question: Wording
    """Asked in the consult: how much does this matter, 0-10."""
    scores: dict[RecordId, Annotated[int, Field(ge=0, le=10)]]
    """0-10 per modality: how well the option does on this attribute (10 = best)."""
    notes: dict[RecordId, Wording]
    """Why each option scores as it does."""


class FitWording(Strict):
    note: Wording
    helps: Wording
    """Reason template: {label}, {weight}, {score}."""
    hurts: Wording
    nothing_rated: Wording
    excluded: Wording
    """Said of options left out because they are contraindicated; {names}."""


class ValuesFile(Strict):
    attributes: dict[RecordId, Attribute]
    wording: FitWording

    @model_validator(mode="after")
    def _known(self) -> ValuesFile:
        unknown = [a for a in self.attributes if a not in VALUE_ATTRIBUTES]
        if unknown:
            raise ValueError(
                f"attribute(s) {', '.join(unknown)} have no profile field; known: {', '.join(VALUE_ATTRIBUTES)}"
            )
        for ident, attribute in self.attributes.items():
            if set(attribute.scores) != set(MODALITY_IDS) or set(attribute.notes) != set(MODALITY_IDS):
                raise ValueError(f"attribute '{ident}' must score and explain every modality")
        return self
