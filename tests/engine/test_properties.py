"""Safety invariants over generated profiles and generated knowledge bases (hypothesis)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketadecide.compare import evaluate
from ketadecide.floor import load_knowledge_base
from ketadecide.knowledge import KnowledgeBase
from ketadecide.knowledge.models import SEVERITY_RANK
from ketadecide.profile import CRISIS_SUICIDALITY, MODALITY_IDS, parse_profile
from ketadecide.render import render
from ketadecide.render.json import render_json
from tests.conftest import DATA_DIR, ROOT
from tests.strategies import profile_records

SHIPPED = load_knowledge_base(DATA_DIR)
SCHEMA = json.loads((ROOT / "schema" / "result.schema.json").read_text())
# For comparing two records with the same safety-screen answers (so the same `missing`).
STATUS_RANK = {"no_flags": 0, "caution": 1, "incomplete": 2, "contraindicated": 3}
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(SETTINGS, max_examples=150)


@st.composite
def knowledge_bases(draw: st.DrawFn) -> KnowledgeBase:
    """The shipped knowledge base with every rule's severities redrawn at random."""
    severity = st.dictionaries(
        st.sampled_from(MODALITY_IDS), st.sampled_from(["absolute", "relative", "info"]), min_size=1
    )

    def redraw(rules: dict[str, Any]) -> dict[str, Any]:
        return {k: r.model_copy(update={"severity": draw(severity)}) for k, r in rules.items()}

    return dataclasses.replace(
        SHIPPED,
        conditions=redraw(SHIPPED.conditions),
        medications=redraw(SHIPPED.medications),
        screens=redraw(SHIPPED.screens),
    )


@SETTINGS
@given(kb=knowledge_bases(), record=st.data())
def test_status_follows_findings_in_any_knowledge_base(kb: KnowledgeBase, record: st.DataObject) -> None:
    result = evaluate(parse_profile(record.draw(profile_records(kb))), kb)
    assert [m.id for m in result.modalities] == list(MODALITY_IDS)
    for m in result.modalities:
        severities = {f.severity for f in m.findings}
        if "absolute" in severities:
            assert m.status == "contraindicated"
        # incomplete exactly when the screen is unfinished (a field missing, or answers that
        # disagree) and nothing contraindicates
        unfinished = bool(result.missing) or bool(result.conflicts)
        assert (m.status == "incomplete") is (unfinished and "absolute" not in severities)
        if m.status == "no_flags":
            assert severities <= {"info"} and not unfinished
        if m.status == "caution":
            assert "relative" in severities and "absolute" not in severities and not unfinished
        for f in m.findings:
            assert f.sources and all(s.strip() for s in f.sources)
            assert f.message.clinician.strip() and f.message.patient.strip()
        # most severe first
        ranks = [SEVERITY_RANK[f.severity] for f in m.findings]
        assert ranks == sorted(ranks, reverse=True)


@SETTINGS
@given(record=profile_records(SHIPPED))
def test_crisis_exactly_when_active_ideation_or_plan(record: dict[str, Any]) -> None:
    profile = parse_profile(record)
    result = evaluate(profile, SHIPPED)
    assert result.crisis.triggered is (profile.suicidality in CRISIS_SUICIDALITY)
    if result.crisis.triggered:
        for fmt in ("table", "markdown", "html"):
            for audience in ("clinician", "patient"):
                text = render(result, fmt, audience)  # type: ignore[arg-type]
                if fmt == "html":  # the page's visible body, not its <head>
                    text = text[text.find("<body") :]
                head = text[: text.find("Spravato")]
                assert "988" in head, (fmt, audience)
        text = render_json(result)
        data = json.loads(text)
        assert "988" in data["crisis"]["message"]
        assert text.index('"crisis"') < text.index('"modalities"')  # first in JSON too


@SETTINGS
@given(record=profile_records(SHIPPED), audience=st.sampled_from(["clinician", "patient"]))
def test_json_is_deterministic_and_valid(record: dict[str, Any], audience: str) -> None:
    profile = parse_profile(record)
    first = render_json(evaluate(profile, SHIPPED), audience)  # type: ignore[arg-type]
    second = render_json(evaluate(parse_profile(record), SHIPPED), audience)  # type: ignore[arg-type]
    assert first == second
    jsonschema.validate(json.loads(first), SCHEMA)


def _statuses(kb: KnowledgeBase, record: dict[str, Any]) -> list[int]:
    return [STATUS_RANK[m.status] for m in evaluate(parse_profile(record), kb).modalities]


@SETTINGS
@given(kb=knowledge_bases(), data=st.data())
def test_adding_a_condition_or_medication_never_improves_status(kb: KnowledgeBase, data: st.DataObject) -> None:
    record = data.draw(profile_records(kb))
    field = data.draw(st.sampled_from(["conditions", "medications"]))
    extra = data.draw(st.sampled_from(sorted(getattr(kb, field))))
    record = {**record, field: record.get(field, [])}  # asked either way: same `missing`
    more = {**record, field: sorted({*record[field], extra})}
    before, after = _statuses(kb, record), _statuses(kb, more)
    assert all(a >= b for a, b in zip(after, before, strict=True))


@SETTINGS
@given(record=profile_records(SHIPPED), rise=st.integers(1, 120), which=st.sampled_from(["s", "d", "both"]))
def test_higher_blood_pressure_never_improves_status(record: dict[str, Any], rise: int, which: str) -> None:
    s, d = record.get("bp_systolic"), record.get("bp_diastolic")
    if s is None or d is None:
        s, d = 120, 80
        record = {**record, "bp_systolic": s, "bp_diastolic": d}
    higher = dict(record)
    if which in ("s", "both"):
        higher["bp_systolic"] = min(300, s + rise)
    if which in ("d", "both"):
        higher["bp_diastolic"] = min(200, d + rise, higher["bp_systolic"] - 1)
    if higher["bp_diastolic"] < d:
        return
    before, after = _statuses(SHIPPED, record), _statuses(SHIPPED, higher)
    assert all(a >= b for a, b in zip(after, before, strict=True)), (record, higher)


@FEWER
@given(record=profile_records(SHIPPED))
def test_not_asked_is_never_read_as_none(record: dict[str, Any]) -> None:
    """Dropping a safety-screen answer can only make a verdict incomplete (or keep a
    contraindication): never a cleaner status than the answered "none"."""
    # Every screen answered "none" (so dropping one removes no finding), plus the record's
    # other answers.
    answered = {
        **record,
        "suicidality": "none",
        "pregnancy": "none",
        "conditions": [],
        "medications": [],
        "diagnoses": ["mdd"],
    }
    full = evaluate(parse_profile(answered), SHIPPED)
    for field in ("pregnancy", "conditions", "medications", "diagnoses", "suicidality"):
        dropped = evaluate(parse_profile({k: v for k, v in answered.items() if k != field}), SHIPPED)
        assert field in [m.field for m in dropped.missing]
        for before, after in zip(full.modalities, dropped.modalities, strict=True):
            assert after.status in ("incomplete", "contraindicated"), (field, after.status)
            if before.status == "contraindicated":
                assert after.status == "contraindicated"


@FEWER
@given(record=profile_records(SHIPPED))
def test_indication_follows_the_label(record: dict[str, Any]) -> None:
    profile = parse_profile(record)
    result = evaluate(profile, SHIPPED)
    for m in ("iv", "im", "compounded"):
        assert result.modality(m).indication.status == "off_label"  # no psychiatric indication
    spravato = result.modality("spravato").indication
    diagnoses = profile.diagnoses
    if spravato.status == "on_label":
        assert profile.age >= 18 and diagnoses is not None and "mdd" in diagnoses
        assert "bipolar_depression" not in diagnoses
        trd = (profile.antidepressant_trials or 0) >= 2
        assert trd or profile.suicidality in CRISIS_SUICIDALITY
    if profile.age < 18 or (diagnoses is not None and "mdd" not in diagnoses):
        assert spravato.status == "off_label"
    if spravato.status == "not_established":
        assert spravato.needs
    # coverage never says likely for an off-label Spravato course
    if spravato.status == "off_label":
        assert result.modality("spravato").coverage.likely_covered is not True


@FEWER
@given(record=profile_records(SHIPPED))
def test_three_valued_truth_agrees_with_holds_when_everything_is_known(record: dict[str, Any]) -> None:
    from ketadecide.predicates import holds, profile_facts, truth

    facts = profile_facts(parse_profile(record))
    for screen in SHIPPED.screens.values():
        verdict = truth(screen.when, facts)
        if verdict is not None:
            assert verdict is holds(screen.when, facts)
