"""Every "out of 100" figure states the time period it covers, in the same place and form
(issue 24, second IPDAS review, C1 "same time period"): each sentence opens with its period,
a result measured at one time "At N weeks", what happened during a period "In the first N
weeks" / "During ..." / "Over ...". Different trials' periods cannot be made equal, so the
warning above the figures says they differ whenever the options shown differ. Synthetic
profiles; the bundled evidence."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from typer.testing import CliRunner

from ketadecide import evaluate, load_knowledge_base
from ketadecide.cli.main import app
from ketadecide.engine.result import Evidence, Result, Worded
from ketadecide.lang import use
from ketadecide.profile import parse_profile
from ketadecide.render.consult_steps import evidence_brief_lines
from ketadecide.render.labels import adverse_sentence, compare_line, outcome_sentence
from tests.conftest import ROOT
from tests.profiles import screened_adult

KB = load_knowledge_base()
EVIDENCE = KB.extras["evidence.yaml"]
BASE: dict[str, Any] = screened_adult(age=70)  # TRANSFORM-3's 65+ figure is shown too
#: The forms a period takes, for a patient and for a clinician.
PATIENT_FORM = re.compile(r"^(at \d+ weeks|in the first \d+ weeks|during up to \d+ weeks|over the months)\b")
CLINICIAN_FORM = re.compile(r"^(at (day|week) \d+|on day \d+|over the )")
#: Each figure's period, checked against its source (issue 24, second review).
PERIODS = {
    ("spravato", "transform2_response"): "at 4 weeks",  # TRANSFORM-2, day 28
    ("spravato", "transform2_remission"): "at 4 weeks",
    ("spravato", "transform3_response_65plus"): "at 4 weeks",  # TRANSFORM-3, day 28
    ("spravato", "escape_trd_remission"): "at 8 weeks",  # ESCAPE-TRD, week 8
    ("spravato", "sustain1_relapse"): "over the months after that (not the same length for everyone)",
    ("iv", "elektd_response"): "at 3 weeks (after 6 drips)",  # ELEKT-D, end of the 3-week phase
    ("compounded", "domany_remission"): "at 3 weeks",  # Domany 2019, day 21
    ("compounded", "hull_response"): "at 4 weeks",  # Hull 2022, week 4
}
HARM_PERIODS = {
    "spravato": "in the first 4 weeks",  # label §6.1 and §5: the pooled 4-week TRD trials
    "iv": "during up to 4 weeks of drips",  # KetECT: 3 a week until remission, at most 12
}


def _figures() -> list[tuple[str, str, Any]]:
    out = []
    for mid, rec in EVIDENCE.modalities.items():
        out += [(mid, "outcome", o) for o in rec.outcomes]
        out += [(mid, "harm", a) for a in rec.adverse_effects]
    return out


def test_every_figure_states_its_period_in_one_form() -> None:
    figures = _figures()
    assert len(figures) >= 20
    for mid, kind, f in figures:
        assert PATIENT_FORM.match(f.time_frame.patient), (mid, f.id, f.time_frame.patient)
        assert CLINICIAN_FORM.match(f.time_frame.clinician), (mid, f.id, f.time_frame.clinician)
        expected = PERIODS[(mid, f.id)] if kind == "outcome" else HARM_PERIODS[mid]
        assert f.time_frame.patient == expected, (mid, f.id)
        assert f.reviewed.isoformat() == "2026-12-06", (mid, f.id)


def _result(**extra: Any) -> Result:
    return evaluate(parse_profile({**BASE, **extra}), KB)


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_every_sentence_opens_with_its_period(audience: str) -> None:
    result = _result()
    for m in result.modalities:
        ev = m.evidence
        assert ev is not None
        for o in ev.outcomes:
            period = o.time_frame.for_(audience)
            assert outcome_sentence(o, audience).startswith(period[:1].upper() + period[1:]), o.id
        for a in ev.adverse_effects:
            period = a.time_frame.for_(audience)
            assert adverse_sentence(a, audience).startswith(period[:1].upper() + period[1:]), a.id


def test_the_handout_the_detail_and_the_consult_brief_give_each_period() -> None:
    profile = str(ROOT / "examples" / "trd-commercial.yaml")
    with use("en"):
        page = CliRunner().invoke(app, ["compare", "-p", profile, "-a", "patient", "-f", "html"]).stdout
        es = CliRunner().invoke(app, ["compare", "-p", profile, "-a", "patient", "-f", "html", "--lang", "es"]).stdout
    figures = re.findall(r'<ul class="figures">(.*?)</ul>', page, re.S)
    spans = [re.sub(r"<[^>]+>", "", s).strip() for block in figures for s in re.findall(r"<span>(.*?)</span>", block)]
    # The figures in numbers, and those a patient reads in words (an option whose harms have no
    # figure with a comparator: compounded's two, test_benefit_reserve.py), which open with
    # their period too.
    shown = [s for s in spans if "out of 100 people" in s or " people " in s.split(".")[0]]
    assert len(shown) >= 21
    assert all(
        re.match(r"^(At \d+ weeks|In the first \d+ weeks|During up to \d+ weeks|Over the months)", s) for s in shown
    )
    es_shown = list(re.findall(r"<span>([^<]*de cada 100 personas[^<]*)", es))
    assert es_shown and all(
        re.match(r"^(A las \d+ semanas|En las primeras \d+ semanas|En hasta \d+ semanas|En los meses)", s)
        for s in es_shown
    )
    brief = "\n".join(evidence_brief_lines(_result(), "patient"))
    for line in brief.splitlines():
        if line.strip().startswith(("+ ", "- ")) and "out of 100 people" in line:
            assert re.match(r"^\s+[+-] (At|In the first|During|Over) ", line), line


def test_the_fits_drawback_figure_gives_its_period() -> None:
    # A benzodiazepine is a caution for every option: each option's drawback is then its own
    # most common harm figure, which must say its period like every other figure.
    result = _result(values_evidence=8, medications=["benzodiazepine"])
    assert result.fit is not None
    harms = [e.drawback for e in result.fit.ranking if e.drawback and "out of 100" in e.drawback.patient]
    assert harms, [e.drawback for e in result.fit.ranking]
    for d in harms:
        assert re.match(r"^Main drawback: (in the first \d+ weeks|during up to \d+ weeks), ", d.patient), d.patient
        assert re.match(r"^Main drawback: (over|at) ", d.clinician), d.clinician


def _with_periods(result: Result, period: str | None) -> Result:
    """The result with every figure's period set to ``period`` (None: as in the data)."""
    if period is None:
        return result
    same = Worded(period, period)
    modalities = []
    for m in result.modalities:
        ev = m.evidence
        if ev is not None:
            ev = dataclasses.replace(
                ev,
                outcomes=tuple(dataclasses.replace(o, time_frame=same) for o in ev.outcomes),
                adverse_effects=tuple(dataclasses.replace(a, time_frame=same) for a in ev.adverse_effects),
            )
        modalities.append(dataclasses.replace(m, evidence=ev))
    return dataclasses.replace(result, modalities=tuple(modalities))


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_the_warning_says_the_periods_differ_only_when_they_do(audience: str) -> None:
    result = _result()
    first = next(m.evidence for m in result.modalities if m.evidence is not None)
    assert isinstance(first, Evidence) and first.compare_warning and first.compare_periods
    differ = compare_line(result, audience)
    assert differ is not None
    assert first.compare_warning.for_(audience) in differ and first.compare_periods.for_(audience) in differ
    same = compare_line(_with_periods(result, "at 4 weeks"), audience)
    assert same == first.compare_warning.for_(audience)
