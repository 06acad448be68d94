"""``evidence.yaml``: outcomes and adverse effects per modality, with their certainty
(decision support; validated when first used, see :class:`ketadecide.knowledge.loader.LazyExtras`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ketadecide.knowledge.models import Cited, CitedText, RecordId, Strict, Text, Wording
from ketadecide.profile import MODALITY_IDS

Certainty = Literal["high", "moderate", "low", "very_low"]
CERTAINTIES: tuple[str, ...] = ("high", "moderate", "low", "very_low")
Percent = Annotated[float, Field(ge=0, le=100)]
#: People with the outcome and people in the arm, as the source counts them (e.g. 6 of 22).
Count = tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=1)]]


class InWords(Cited):
    """An outcome said in plain words, with no number for either arm: what a patient reads
    in place of "N out of 100" when the option's harms have no figure with a comparator
    (:meth:`ModalityEvidence.benefit_unweighed`; issue 24, IPDAS C1: equal statistics). Only
    the patient's register: the clinician keeps the numbers, with the reserve beside them."""

    patient: Text


def _matches(count: Count | None, pct: float | None, what: str) -> None:
    # A count that disagrees with its percentage is a typo in one of them: refuse both.
    if count is None:
        return
    if pct is None:
        raise ValueError(f"{what}_n is given without {what}_pct")
    events, total = count
    if events > total:
        raise ValueError(f"{what}_n: {events} is more than the {total} people in the group")
    if abs(100 * events / total - pct) > 0.1:
        raise ValueError(f"{what}_n ({events} of {total}) does not match {what}_pct ({pct})")


class Outcome(Cited):
    """One result of one study, with its own comparator: never pooled with another study's."""

    id: RecordId
    label: Wording
    """What was counted, e.g. "Remission (MADRS 10 or less)" / "Got well"."""
    value_pct: Percent
    """Out of 100 people on this option."""
    comparator: Wording
    """What the option was compared with, or that there was no comparison group."""
    comparator_pct: Percent | None = None
    """Out of 100 on the comparator; None when the study had none (or did not report it)."""
    population: Wording
    time_frame: Wording
    design: Literal["rct_blinded", "rct_open_label", "meta_analysis", "uncontrolled_cohort"]
    lower_is_better: bool = False
    """True for harms counted as outcomes (relapse)."""
    from_age: Annotated[int, Field(ge=0, le=120)] | None = None
    """Shown only to people this old or older (e.g. the trial in people 65+)."""
    significant: bool = True
    """False when the study found no clear difference from the comparator (said beside it)."""
    value_n: Count | None = None
    """``[people with the outcome, people in the arm]`` when the source gives the counts: the
    clinician reads them beside the figure (a small arm's 0 out of 100 is 0 of 19)."""
    comparator_n: Count | None = None
    """The same for the comparator's arm."""
    in_words: InWords | None = None
    """The patient's words for this outcome when its option's benefit cannot be weighed
    against its harms in numbers; required then (see :class:`EvidenceFile`)."""

    @model_validator(mode="after")
    def _cohort_has_no_comparator_number(self) -> Outcome:
        # An uncontrolled cohort has no comparison group: a number there would be invented.
        if self.design == "uncontrolled_cohort" and self.comparator_pct is not None:
            raise ValueError("an uncontrolled cohort has no comparator figure")
        _matches(self.value_n, self.value_pct, "value")
        _matches(self.comparator_n, self.comparator_pct, "comparator")
        return self


class AdverseEffect(Cited):
    id: RecordId
    label: Wording
    value_pct: Percent | None = None
    comparator_pct: Percent | None = None
    range_pct: tuple[Percent, Percent] | None = None
    """Low-high across trials, when the source gives a range instead of one figure."""
    comparator_range_pct: tuple[Percent, Percent] | None = None
    comparator: Wording
    time_frame: Wording
    measured: Wording | None = None
    """The same effect when staff measured it with a scale at every dose, said right after
    the figure: adverse-event reports count far fewer (issue 24 review, defect 13)."""

    @model_validator(mode="after")
    def _one_figure(self) -> AdverseEffect:
        if (self.value_pct is None) == (self.range_pct is None):
            raise ValueError("give exactly one of value_pct and range_pct")
        return self


class ModalityEvidence(Cited):
    certainty: Certainty
    certainty_reason: Wording
    outcomes: tuple[Outcome, ...] = ()
    adverse_effects: tuple[AdverseEffect, ...] = ()
    no_figures: CitedText | None = None
    """Said plainly when there is no figure fit to show "out of 100", with its own sources
    (it names harms known from other routes and a cohort's counts: fourth IPDAS review, D1)."""
    no_adverse_figures: CitedText | None = None
    """The harms half of ``no_figures`` on its own: shown on the "-" line of the consult's
    brief, where the benefit half would repeat the "+" line (issue 24 review)."""

    @model_validator(mode="after")
    def _words_cite_what_is_printed(self) -> ModalityEvidence:
        # These words are printed beside the option's own source marks: a source they rest on
        # that the option does not list would never reach the page.
        listed = {ref.partition(" ")[0] for ref in self.sources}
        for name, text in (("no_figures", self.no_figures), ("no_adverse_figures", self.no_adverse_figures)):
            if text is None:
                continue
            missing = sorted({ref.partition(" ")[0] for ref in text.sources} - listed)
            if missing:
                raise ValueError(f"{name} cites {', '.join(missing)}, which this option's sources do not list")
        return self

    def benefit_unweighed(self, outcomes: Sequence[Outcome] | None = None) -> bool:
        """True when this option has a benefit figure with a comparator's number but no harm
        figure with one: its good and harder points cannot be set against each other in
        numbers, so its benefit is shown with the same reserve as its harms (issue 24, C1).
        ``outcomes``: the ones a person is shown (an age group's only to people that age)."""
        shown = self.outcomes if outcomes is None else outcomes
        compared_benefit = any(o.comparator_pct is not None for o in shown)
        compared_harm = any(
            a.comparator_pct is not None or a.comparator_range_pct is not None for a in self.adverse_effects
        )
        return compared_benefit and not compared_harm


class EvidenceFile(Strict):
    certainty_words: dict[Certainty, Wording]
    compare_warning: Wording
    """Said once above the figures: numbers from different trials cannot be compared directly."""
    compare_periods: Wording | None = None
    """Added to ``compare_warning`` when the options' figures cover different time periods."""
    unweighed: Wording | None = None
    """Said right after the benefit figures of an option whose harms have no figure with a
    comparator (:meth:`ModalityEvidence.benefit_unweighed`); those figures are then not drawn."""
    every_route: CitedText | None = None
    """Harms of ketamine by any route that no figure shows (misuse and dependence, the bladder),
    said once under the warning above the figures, with its own sources (sixth IPDAS review)."""
    modalities: dict[RecordId, ModalityEvidence]

    @model_validator(mode="after")
    def _every_modality(self) -> EvidenceFile:
        if set(self.modalities) != set(MODALITY_IDS):
            raise ValueError(f"modalities must be exactly {', '.join(MODALITY_IDS)}")
        if set(self.certainty_words) != set(CERTAINTIES):
            raise ValueError("certainty_words must word every grade")
        # A benefit shown with the reserve must say why, in the data's own words.
        bare = [m for m, rec in self.modalities.items() if rec.benefit_unweighed()]
        if bare and self.unweighed is None:
            raise ValueError(
                f"unweighed must be worded: {', '.join(bare)} has a benefit figure with a comparator "
                "but no side-effect figure with one"
            )
        # A patient reads each of that option's outcomes in words, never a number for one side
        # only: every one of them needs its words (the age-filtered outcomes a person is shown
        # are a subset, so checking the whole option covers every person).
        for m in bare:
            for o in self.modalities[m].outcomes:
                if o.in_words is None:
                    raise ValueError(
                        f"modalities.{m}.outcomes.{o.id}.in_words is missing: {m} has a benefit figure "
                        "with a comparator but no side-effect figure with one, so a patient reads its "
                        "outcomes in words"
                    )
        return self
