"""Readability that cannot hide in an average (issue 24), for the decision-aid texts a
patient reads: the out-of-pocket estimate, the fit, every evidence figure as rendered with
real values, the page-1 intro and glossary. Each unit of three or more sentences is at
Flesch-Kincaid grade 8 or less and SMOG 9 or less; each sentence of ten or more words at FK
10 or less. Glossary names count as one syllable (``ketadecide.readability.NAMES``).
Synthetic profiles only."""

from __future__ import annotations

from typing import Any

from ketadecide import evaluate, load_knowledge_base
from ketadecide.profile import parse_profile
from ketadecide.readability import _WORD, fk_grade, sentences, smog_grade
from ketadecide.render.labels import adverse_sentence, fit_entry_line, outcome_sentence
from tests.profiles import screened_adult

KB = load_knowledge_base()
BASE: dict[str, Any] = screened_adult(age=44, values_cost=9, values_evidence=7, values_home=5, budget_per_session=200)
PEOPLE: dict[str, dict[str, Any]] = {
    "uninsured": {"insurance": "uninsured"},
    "medicare": {"insurance": "medicare", "age": 70},
    "commercial": {"insurance": "commercial"},
    "medicaid": {"insurance": "medicaid"},
    "pregnant": {"insurance": "commercial", "pregnancy": "pregnant"},
    "nothing_open": {"conditions": ["ketamine_hypersensitivity"]},
}
#: Units allowed above the limits, each with its reason (at most 3% of the units).
EXCEPTIONS: dict[str, str] = {}


def _units() -> dict[str, str]:
    units: dict[str, str] = {}
    for who, kw in PEOPLE.items():
        result = evaluate(parse_profile({**BASE, **kw}), KB)
        names = {m.id: m.short_name for m in result.modalities}
        for m in result.modalities:
            oop = m.cost.out_of_pocket
            assert oop is not None
            units[f"{who}.{m.id}.out_of_pocket"] = oop.assumptions.patient
            if oop.savings_program:
                units[f"{who}.{m.id}.savings"] = oop.savings_program.patient
            if m.cost.budget_note:
                units[f"{who}.{m.id}.budget"] = m.cost.budget_note.patient
            ev = m.evidence
            assert ev is not None
            units.update({f"{who}.{o.id}": outcome_sentence(o, "patient") for o in ev.outcomes})
            units.update({f"{who}.{m.id}.{a.id}": adverse_sentence(a, "patient") for a in ev.adverse_effects})
            if ev.no_figures:
                units[f"{m.id}.no_figures"] = ev.no_figures.patient
            if ev.compare_warning:
                units["compare_warning"] = ev.compare_warning.patient
        fit = result.fit
        assert fit is not None
        units.update({f"{who}.fit.{e.id}": fit_entry_line(e, names[e.id], "patient") for e in fit.ranking})
        units.update({f"{who}.tie.{i}": t.patient for i, t in enumerate(fit.ties)})
        if fit.nothing_open:
            units["nothing_open"] = fit.nothing_open.patient
        for a in fit.attributes:
            units.update({f"{who}.note.{a.id}.{m}": n.patient for m, n in a.notes.items()})
        d = result.decision
        assert d is not None and d.condition is not None and d.decision_line is not None
        units["intro"] = f"{d.condition.patient} {d.decision_line.patient}"
        units.update({f"glossary.{term}": f"{text.patient}." for term, text in d.glossary})
        # How to get started (issue 24): every cell, and the note above them
        assert d.get_started is not None
        units["get_started.note"] = d.get_started.note.patient
        for step in d.get_started.steps:
            units.update({f"get_started.{step.id}.{m}": c.text.patient for m, c in step.cells.items()})
    units["get_started.not_advised"] = "Not advised for you. Ask your clinician why, and about other options."
    return units


def test_every_unit_and_every_long_sentence_is_plain() -> None:
    units = _units()
    assert len(units) > 100  # the texts are really collected
    over: list[str] = []
    for key, text in units.items():
        if key in EXCEPTIONS:
            continue
        if len(sentences(text)) >= 3:
            fk, smog = fk_grade(text), smog_grade(text)
            if fk > 8 or smog > 9:
                over.append(f"{key}: FK {fk:.1f}, SMOG {smog:.1f}: {text}")
        for sentence in sentences(text):
            if len(_WORD.findall(sentence)) >= 10 and fk_grade(sentence) > 10:
                over.append(f"{key}: sentence FK {fk_grade(sentence):.1f}: {sentence}")
    assert not over, "\n".join(over)
    assert len(EXCEPTIONS) <= 0.03 * len(units)


def test_the_check_catches_a_hard_unit_and_a_long_sentence() -> None:
    hard = (
        "Electroconvulsive interventions necessitate comprehensive multidisciplinary evaluation. "
        "Pharmacological augmentation demonstrates considerable heterogeneity. Consultation is recommended."
    )
    assert fk_grade(hard) > 8 and smog_grade(hard) > 9
    assert fk_grade("Esketamine is given at certified clinics.") < fk_grade("Electroconvulsive therapy is given.")
