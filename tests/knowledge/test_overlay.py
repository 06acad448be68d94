"""A clinic's data directory is an overlay on the bundled data: it adds and tightens, never
loosens (issue 21). Every edit class of the issue's "Why" is built here as a clinic
directory, and each is either refused (one problem per key, naming the clinic's file and
the key) or gives, for every probe profile, a verdict, indication, coverage and crisis
response unchanged or stricter than the bundled data's. A property test does the same over
random overlays."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketadecide.compare import evaluate
from ketadecide.engine.result import Result
from ketadecide.errors import InputError
from ketadecide.floor import load_knowledge_base
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.migrate import migrate, to_yaml
from ketadecide.knowledge.overlay import locked_fields
from ketadecide.profile import parse_profile
from ketadecide.safeyaml import load_yaml
from tests.conftest import DATA_DIR

Edit = Callable[[dict[str, Any]], None]

STATUS_RANK = {"no_flags": 0, "caution": 1, "incomplete": 2, "contraindicated": 3}
SEVERITY_RANK = {"info": 0, "relative": 1, "absolute": 2}
INDICATION_GENEROSITY = {"off_label": 0, "not_established": 1, "on_label": 2}
COVERED_GENEROSITY = {False: 0, None: 1, True: 2}
PA_GENEROSITY = {True: 0, None: 1, False: 2}

BASE = {"diagnoses": ["mdd"], "pregnancy": "none", "conditions": [], "medications": [], "suicidality": "none"}
#: Profiles that exercise what the edits below touch (the property test draws more).
PROBES: list[dict[str, Any]] = [
    {**BASE, "age": 40, "antidepressant_trials": 3, "insurance": "commercial"},
    {**BASE, "age": 95, "bp_systolic": 220, "bp_diastolic": 125},
    {**BASE, "age": 40, "bp_systolic": 200, "bp_diastolic": 120},
    {**BASE, "age": 40, "bp_systolic": 181, "bp_diastolic": 95},
    {**BASE, "age": 40, "bp_systolic": 141, "bp_diastolic": 85},
    {**BASE, "age": 30, "pregnancy": "pregnant", "insurance": "medicaid", "needle_averse": False},
    {**BASE, "age": 30, "suicidality": "active_ideation", "course_modality": "iv", "course_sessions": 2},
    {**BASE, "age": 30, "suicidality": "plan_or_intent"},
    {**BASE, "age": 16},
    {**BASE, "age": 17},
    {**BASE, "age": 40, "conditions": ["ketamine_hypersensitivity"]},
    {**BASE, "age": 40, "conditions": ["aneurysmal_vascular_disease"]},
    {**BASE, "age": 40, "conditions": ["substance_use_disorder_active"]},
    {**BASE, "age": 40, "medications": ["benzodiazepine", "maoi", "opioid"]},
    {**BASE, "age": 40, "diagnoses": ["bipolar_depression"], "antidepressant_trials": 1, "insurance": "uninsured"},
    {**BASE, "age": 40, "antidepressant_trials": 1, "insurance": "medicare"},
    {"age": 50},
]


def _bundled(name: str) -> Any:
    return load_yaml((DATA_DIR / name).read_text(encoding="utf-8"), name)


def clinic(tmp_path: Path, edits: dict[str, Edit], *, full_copy: bool = True) -> Path:
    """A clinic directory: ``overlay.yaml`` and, for each file edited, the bundled file with
    the edit (``full_copy``) or only what the edit sets (a minimal overlay)."""
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "overlay.yaml").write_text('base: "0.8.0"\n', encoding="utf-8")
    for name, edit in edits.items():
        raw = _bundled(name) if full_copy else {}
        edit(raw)
        (folder / name).write_text(to_yaml(raw), encoding="utf-8")
    return folder


def outcome(folder: Path) -> KnowledgeBase | InputError:
    try:
        return load_knowledge_base(folder)
    except InputError as exc:
        return exc


@pytest.fixture(scope="module")
def bundled_kb() -> KnowledgeBase:
    return load_knowledge_base(DATA_DIR)


def weaker(base: Result, other: Result) -> list[str]:
    """How ``other`` is weaker than ``base`` (empty when it is the same or stricter)."""
    out: list[str] = []
    if base.crisis.triggered != other.crisis.triggered:
        out.append("crisis trigger differs")
    if base.crisis.message and other.crisis.message:
        for audience in ("clinician", "patient"):
            if not getattr(other.crisis.message, audience).startswith(getattr(base.crisis.message, audience)):
                out.append(f"crisis message ({audience}) changed")
    if [m.id for m in base.modalities] != [m.id for m in other.modalities]:
        out.append("modalities differ")
    if {m.field for m in base.missing} - {m.field for m in other.missing}:
        out.append("the safety screen asks for less")
    for b, o in zip(base.modalities, other.modalities, strict=False):
        if STATUS_RANK[o.status] < STATUS_RANK[b.status]:
            out.append(f"{b.id}: status {b.status} -> {o.status}")
        found = {f.id: f for f in o.findings}
        for finding in b.findings:
            if finding.id not in found:
                out.append(f"{b.id}: finding {finding.id} gone")
            elif SEVERITY_RANK[found[finding.id].severity] < SEVERITY_RANK[finding.severity]:
                out.append(f"{b.id}: {finding.id} {finding.severity} -> {found[finding.id].severity}")
            elif finding.not_advised and not found[finding.id].not_advised:
                out.append(f"{b.id}: {finding.id} no longer not advised")
            elif (found[finding.id].message, found[finding.id].name) != (finding.message, finding.name):
                out.append(f"{b.id}: {finding.id} reworded")
        if INDICATION_GENEROSITY[o.indication.status] > INDICATION_GENEROSITY[b.indication.status]:
            out.append(f"{b.id}: indication {b.indication.status} -> {o.indication.status}")
        if COVERED_GENEROSITY[o.coverage.likely_covered] > COVERED_GENEROSITY[b.coverage.likely_covered]:
            out.append(f"{b.id}: likely_covered {b.coverage.likely_covered} -> {o.coverage.likely_covered}")
        if PA_GENEROSITY[o.coverage.prior_authorization] > PA_GENEROSITY[b.coverage.prior_authorization]:
            out.append(
                f"{b.id}: prior authorization {b.coverage.prior_authorization} -> {o.coverage.prior_authorization}"
            )
    return out


def assert_refused_or_not_weaker(folder: Path, bundled_kb: KnowledgeBase, files: list[str]) -> str:
    result = outcome(folder)
    if isinstance(result, InputError):
        for problem in result.problems:
            assert problem.source in {str(folder / f) for f in files}, problem
            assert problem.field, problem
            assert "\n" not in str(problem)
        return "refused"
    for record in PROBES:
        profile = parse_profile(record)
        problems = weaker(evaluate(profile, bundled_kb), evaluate(profile, result))
        assert not problems, (record, problems)
    return "kept"


# ------------------------------------------------------------------ the edit classes of "Why"


def _rule(raw: dict[str, Any], rule_id: str) -> dict[str, Any]:
    for kind in ("conditions", "medications", "screens"):
        if rule_id in raw.get(kind, {}):
            rule: dict[str, Any] = raw[kind][rule_id]
            return rule
    raise KeyError(rule_id)


def severity(rule_id: str, modality: str, value: str) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        raw.setdefault("conditions", {})
        bundled = _rule(_bundled("contraindications.yaml"), rule_id)
        kind = next(
            k for k in ("conditions", "medications", "screens") if rule_id in _bundled("contraindications.yaml")[k]
        )
        target = raw.setdefault(kind, {}).setdefault(rule_id, copy.deepcopy(bundled))
        target["severity"][modality] = value

    return edit


def when(rule_id: str, change: Callable[[Any], Any]) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        rule = _rule(raw, rule_id)
        rule["when"] = change(rule["when"])

    return edit


def _replace_values(tree: Any, old: Any, new: Any) -> Any:
    if isinstance(tree, dict):
        return {k: (new if k == "value" and v == old else _replace_values(v, old, new)) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_replace_values(v, old, new) for v in tree]
    return tree


def text(path: tuple[str, ...], value: str) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        node = raw
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value

    return edit


def _indication(modality: str, path_id: str, change: Callable[[Any], Any]) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        for path in raw["modalities"][modality]["indication"]["on_label"]:
            if path["id"] == path_id:
                path["when"] = change(path["when"])

    return edit


def _swap_choices(raw: dict[str, Any]) -> None:
    question = raw["sections"][0]["questions"][0]
    assert question["id"] == "suicidality"
    by_value = {c["value"]: c for c in question["choices"]}
    for audience in ("clinician", "patient"):
        by_value["none"][audience], by_value["plan_or_intent"][audience] = (
            by_value["plan_or_intent"][audience],
            by_value["none"][audience],
        )


CONTRA = "contraindications.yaml"
MODS = "modalities.yaml"
LOOSENING: dict[str, tuple[str, Edit]] = {
    # severity lowered on label-backed rules
    "bp_severe absolute -> relative": (CONTRA, severity("bp_severe", "iv", "relative")),
    "benzodiazepine -> info": (CONTRA, severity("benzodiazepine", "spravato", "info")),
    "opioid -> info": (CONTRA, severity("opioid", "spravato", "info")),
    "maoi -> info": (CONTRA, severity("maoi", "spravato", "info")),
    "unstable cardiovascular -> info": (CONTRA, severity("unstable_cardiovascular_disease", "iv", "info")),
    "raised intracranial pressure -> info": (CONTRA, severity("elevated_intracranial_pressure", "iv", "info")),
    "uncontrolled hypertension -> info": (CONTRA, severity("uncontrolled_hypertension", "spravato", "info")),
    "aneurysm for iv -> info": (CONTRA, severity("aneurysmal_vascular_disease", "iv", "info")),
    "intracerebral haemorrhage for im -> info": (CONTRA, severity("intracerebral_hemorrhage_history", "im", "info")),
    "active SUD compounded -> relative": (CONTRA, severity("substance_use_disorder_active", "compounded", "relative")),
    "age under 18 -> info": (CONTRA, severity("age_under_18", "spravato", "info")),
    "theophylline -> info": (CONTRA, severity("theophylline", "iv", "info")),
    "active ideation compounded -> relative": (CONTRA, severity("active_suicidal_ideation", "compounded", "relative")),
    # meaning changed by words
    "crisis message softened": (
        CONTRA,
        text(
            ("crisis", "patient"),
            "You could call or text 988 at some point, there is no rush now; call 911 if you must. Mention it "
            "at your next routine appointment.",
        ),
    ),
    "do not call 988": (CONTRA, text(("crisis", "patient"), "Do not call 988 now; 911 is for others.")),
    "aneurysm is not a problem": (
        CONTRA,
        text(("conditions", "aneurysmal_vascular_disease", "patient"), "An aneurysm is not a problem; go ahead."),
    ),
    "psychosis not a concern": (
        CONTRA,
        text(("conditions", "psychosis_history", "patient"), "Past psychosis is not a concern for ketamine."),
    ),
    "drive yourself home": (
        MODS,
        text(
            ("modalities", "spravato", "details", "driving", "patient"),
            "You can drive yourself home once the 2-hour observation is over.",
        ),
    ),
    "safety question choices swapped": ("questions.yaml", _swap_choices),
    "uninsured spravato covered": (
        MODS,
        text(("modalities", "spravato", "coverage", "uninsured", "likely_covered"), True),
    ),  # type: ignore[arg-type]
    "prior authorization dropped": (
        MODS,
        text(("modalities", "spravato", "coverage", "commercial", "prior_authorization"), False),  # type: ignore[arg-type]
    ),
    # indication loosened
    "TRD with 1 failed trial": (MODS, text(("treatment_resistance", "min_failed_trials"), 1)),  # type: ignore[arg-type]
    "bipolar depression allowed": (
        MODS,
        _indication("spravato", "trd", lambda w: {"all": [c for c in w["all"] if "not" not in c]}),
    ),
    "no age limit": (
        MODS,
        _indication("spravato", "trd", lambda w: {"all": [c for c in w["all"] if c.get("field") != "age"]}),
    ),
}

NEEDS_THE_RECORD = {"safety question choices swapped", "bipolar depression allowed", "no age limit"}


def _is(field: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": "eq", "value": value}


def test_a_clinic_may_add_to_not_advised_never_drop_from_it(tmp_path: Path, bundled_kb: KnowledgeBase) -> None:
    def drop_spravato(raw: dict[str, Any]) -> None:
        raw["screens"]["pregnancy_or_breastfeeding"]["not_advised"] = ["compounded"]

    kb = load_knowledge_base(clinic(tmp_path, {CONTRA: drop_spravato}))
    assert set(kb.screens["pregnancy_or_breastfeeding"].not_advised) == {"spravato", "compounded"}
    profile = parse_profile({**PROBES[5]})
    assert not weaker(evaluate(profile, bundled_kb), evaluate(profile, kb))


def test_a_merged_rule_that_fails_names_the_clinics_file(tmp_path: Path) -> None:
    """Adding a route to ``not_advised`` without the note the model asks for fails after the
    merge; the bundled file alone is valid, so the problem names the clinic's file."""

    def add_iv(raw: dict[str, Any]) -> None:
        raw.setdefault("screens", {})["pregnancy_or_breastfeeding"] = {"not_advised": ["spravato", "compounded", "iv"]}

    folder = clinic(tmp_path, {CONTRA: add_iv}, full_copy=False)
    failed = outcome(folder)
    assert isinstance(failed, InputError)
    assert [p.source for p in failed.problems] == [str(folder / CONTRA)]
    assert failed.problems[0].field == "screens.pregnancy_or_breastfeeding"


def test_a_clinic_may_raise_a_not_advised_route_to_absolute(tmp_path: Path, bundled_kb: KnowledgeBase) -> None:
    """Tightening the pregnancy rule for Spravato from a caution to absolute is kept (it was
    refused because the route is in ``not_advised``); the route is then contraindicated."""

    def raise_spravato(raw: dict[str, Any]) -> None:
        raw.setdefault("screens", {})["pregnancy_or_breastfeeding"] = {"severity": {"spravato": "absolute"}}

    kb = load_knowledge_base(clinic(tmp_path, {CONTRA: raise_spravato}, full_copy=False))
    assert kb.screens["pregnancy_or_breastfeeding"].severity["spravato"] == "absolute"
    result = evaluate(parse_profile({"age": 29, "pregnancy": "pregnant"}), kb)
    assert next(m for m in result.modalities if m.id == "spravato").status == "contraindicated"
    assert not weaker(evaluate(parse_profile({"age": 29, "pregnancy": "pregnant"}), bundled_kb), result)


#: Edits the overlay keeps, because by construction they cannot make anything fire less.
KEPT: dict[str, tuple[str, Edit]] = {
    "bp_severe 180 -> 181": (CONTRA, when("bp_severe", lambda w: _replace_values(w, 180, 181))),
    "bp_severe 250/140": (
        CONTRA,
        when("bp_severe", lambda w: _replace_values(_replace_values(w, 180, 250), 100, 140)),
    ),
    "bp_elevated 140 -> 141": (CONTRA, when("bp_elevated", lambda w: _replace_values(w, 140, 141))),
    "pregnancy skipped for medicaid": (
        CONTRA,
        when(
            "pregnancy_or_breastfeeding",
            lambda w: {"all": [w, {"not": {"field": "insurance", "op": "eq", "value": "medicaid"}}]},
        ),
    ),
    "pregnancy only when needle_averse": (
        CONTRA,
        when(
            "pregnancy_or_breastfeeding", lambda w: {"all": [w, {"field": "needle_averse", "op": "eq", "value": True}]}
        ),
    ),
    "bp_severe skipped above 90": (
        CONTRA,
        when("bp_severe", lambda w: {"all": [w, {"field": "age", "op": "le", "value": 90}]}),
    ),
    "active ideation skipped with a course": (
        CONTRA,
        when(
            "active_suicidal_ideation",
            lambda w: {"all": [w, {"not": {"field": "course_modality", "op": "in", "value": ["iv"]}}]},
        ),
    ),
    "age_under_18 only at 17": (CONTRA, when("age_under_18", lambda w: {"field": "age", "op": "eq", "value": 17})),
    "severity raised": (CONTRA, severity("psychosis_history", "spravato", "absolute")),
}


@pytest.fixture(scope="module")
def screen_ids() -> set[str]:
    return set(_bundled(CONTRA)["screens"])


def test_the_screens_the_edits_name_exist(screen_ids: set[str]) -> None:
    for rule in ("bp_severe", "bp_elevated", "pregnancy_or_breastfeeding", "age_under_18", "active_suicidal_ideation"):
        assert rule in screen_ids, rule


@pytest.mark.parametrize("full_copy", [True, False], ids=["full-copy", "overlay"])
@pytest.mark.parametrize("name", sorted(LOOSENING))
def test_each_loosening_edit_is_refused_naming_file_and_key(
    name: str, full_copy: bool, tmp_path: Path, bundled_kb: KnowledgeBase
) -> None:
    file, edit = LOOSENING[name]
    if name in NEEDS_THE_RECORD:
        full_copy = True  # the edit rewrites a list in place: it needs the bundled list
    folder = clinic(tmp_path, {file: edit}, full_copy=full_copy)
    result = outcome(folder)
    assert isinstance(result, InputError), f"{name}: accepted"
    assert all(p.source == str(folder / file) and p.field for p in result.problems), result.problems
    assert all("clinical floor" in p.message or "988" in p.message for p in result.problems), result.problems


@pytest.mark.parametrize("name", sorted(KEPT))
def test_each_tightening_or_narrowing_edit_leaves_nothing_weaker(
    name: str, tmp_path: Path, bundled_kb: KnowledgeBase
) -> None:
    file, edit = KEPT[name]
    folder = clinic(tmp_path, {file: edit})
    assert assert_refused_or_not_weaker(folder, bundled_kb, [file]) == "kept"


def test_a_narrowed_bp_severe_still_fires_for_a_95_year_old(tmp_path: Path, bundled_kb: KnowledgeBase) -> None:
    folder = clinic(tmp_path, {CONTRA: KEPT["bp_severe skipped above 90"][1]})
    kb = load_knowledge_base(folder)
    result = evaluate(parse_profile({**BASE, "age": 95, "bp_systolic": 220, "bp_diastolic": 125}), kb)
    assert {m.status for m in result.modalities} == {"contraindicated"}


def test_the_refusal_is_one_line_naming_file_key_and_bundled_value(tmp_path: Path) -> None:
    folder = clinic(tmp_path, {CONTRA: severity("bp_severe", "iv", "relative")}, full_copy=False)
    result = outcome(folder)
    assert isinstance(result, InputError)
    (problem,) = result.problems
    assert str(problem) == (
        f"{folder / CONTRA}, field 'screens.bp_severe.severity': clinical floor: a clinic may raise a "
        "severity, not lower it (bundled: absolute for iv)"
    )


def test_data_validate_and_a_command_refuse_with_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ketadecide.cli.main import app

    folder = clinic(tmp_path, {CONTRA: severity("bp_severe", "iv", "relative")}, full_copy=False)
    runner = CliRunner()
    checked = runner.invoke(app, ["data", "validate", str(folder)])
    assert checked.exit_code == 2
    assert "screens.bp_severe.severity" in checked.stderr and "Traceback" not in checked.stderr
    profile = tmp_path / "p.yaml"
    profile.write_text("age: 40\n", encoding="utf-8")
    compared = runner.invoke(app, ["compare", "--data-dir", str(folder), "-p", str(profile)])
    assert compared.exit_code == 2
    assert "screens.bp_severe.severity" in compared.stderr


def test_a_full_copy_without_overlay_yaml_is_read_as_an_overlay(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(DATA_DIR, folder)
    kb = load_knowledge_base(folder)
    assert kb.overlay is not None and kb.sha256 == load_knowledge_base(DATA_DIR).sha256
    raw = _bundled(CONTRA)
    raw["conditions"]["psychosis_history"]["patient"] = "Past psychosis is not a concern."
    (folder / CONTRA).write_text(to_yaml(raw), encoding="utf-8")
    assert isinstance(outcome(folder), InputError)


def test_the_overlay_cannot_remove_anything(tmp_path: Path, bundled_kb: KnowledgeBase) -> None:
    def drop(raw: dict[str, Any]) -> None:
        del raw["screens"]["pregnancy_or_breastfeeding"]
        del raw["conditions"]["ketamine_hypersensitivity"]
        del raw["completeness"]["fields"]["pregnancy"]

    folder = clinic(tmp_path, {CONTRA: drop})
    kb = load_knowledge_base(folder)
    assert "pregnancy_or_breastfeeding" in kb.screens and "ketamine_hypersensitivity" in kb.conditions
    assert "pregnancy" in kb.completeness.fields


def test_a_standalone_directory_needs_the_test_switch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import MINIMAL_KB

    monkeypatch.delenv("KETADECIDE_SYNTHETIC_DATA")
    result = outcome(MINIMAL_KB)
    assert isinstance(result, InputError)
    assert result.problems[0].field == "standalone"


# ------------------------------------------------------------------ additions


def test_the_example_overlay_adds_prices_a_rule_and_a_local_crisis_line(bundled_kb: KnowledgeBase) -> None:
    folder = Path(__file__).resolve().parents[2] / "examples" / "clinic-overlay"
    kb = load_knowledge_base(folder)
    assert kb.modalities["iv"].cost_per_session_usd.low == 450
    assert "clinic_bp_review" in kb.screens
    crisis = evaluate(parse_profile({**BASE, "age": 30, "suicidality": "active_ideation"}), kb).crisis
    assert crisis.message is not None
    assert crisis.message.patient.startswith(bundled_kb.crisis.patient)
    assert crisis.message.patient.endswith("Also available locally: Example County Crisis Line, 555-0100 (24/7).")
    result = evaluate(parse_profile({**BASE, "age": 40, "bp_systolic": 132, "bp_diastolic": 80}), kb)
    assert {m.id: m.status for m in result.modalities}["iv"] == "caution"
    for record in PROBES:
        profile = parse_profile(record)
        assert not weaker(evaluate(profile, bundled_kb), evaluate(profile, kb)), record


def test_a_local_crisis_line_is_structured_never_prose(tmp_path: Path) -> None:
    def prose(raw: dict[str, Any]) -> None:
        raw["crisis"] = {
            "local_lines": [{"name": "No need to call 988 - wait", "phone": "not now", "hours": "24/7", "source": "x"}]
        }

    result = outcome(clinic(tmp_path, {CONTRA: prose}, full_copy=False))
    assert isinstance(result, InputError)


def test_the_locked_questions_are_worked_out_from_the_data() -> None:
    raw = {name: _bundled(name) for name in (CONTRA, MODS, "troubleshooting.yaml")}
    locked = locked_fields(raw)
    for field in ("suicidality", "pregnancy", "diagnoses", "antidepressant_trials", "age", "insurance", "conditions"):
        assert field in locked, field
    assert "budget_per_session" not in locked


def test_an_unlocked_question_may_be_reworded(tmp_path: Path) -> None:
    def reword(raw: dict[str, Any]) -> None:
        for section in raw["sections"]:
            for question in section["questions"]:
                if question["id"] == "budget_per_session":
                    question["patient"] = "What could you pay for one session, in dollars?"

    folder = clinic(tmp_path, {"questions.yaml": reword})
    kb = load_knowledge_base(folder)
    asked = {q.id: q for _, _, q in kb.questions().questions()}
    assert asked["budget_per_session"].patient == "What could you pay for one session, in dollars?"


# ------------------------------------------------------------------ migration


def test_data_overlay_keeps_tightenings_and_lists_what_it_leaves_out(tmp_path: Path) -> None:
    import shutil

    full = tmp_path / "copy"
    shutil.copytree(DATA_DIR, full)
    raw = _bundled(CONTRA)
    raw["conditions"]["aneurysmal_vascular_disease"]["severity"]["iv"] = "info"
    raw["conditions"]["psychosis_history"]["severity"]["spravato"] = "absolute"
    (full / CONTRA).write_text(to_yaml(raw), encoding="utf-8")
    migration = migrate(full, "0.3.0")
    assert [p.field for p in migration.left_out] == ["conditions.aneurysmal_vascular_disease.severity"]
    out = tmp_path / "overlay"
    out.mkdir()
    for name, body in migration.files.items():
        (out / name).write_text(body, encoding="utf-8")
    assert set(migration.files) == {"overlay.yaml", CONTRA}
    kb = load_knowledge_base(out)
    assert kb.conditions["psychosis_history"].severity["spravato"] == "absolute"
    assert kb.conditions["aneurysmal_vascular_disease"].severity["iv"] != "info"


# ------------------------------------------------------------------ property test


SEVERITIES = st.sampled_from(["info", "relative", "absolute"])
FIELDS = sorted(
    {
        "age",
        "insurance",
        "pregnancy",
        "suicidality",
        "needle_averse",
        "has_driver",
        "course_modality",
        "bp_systolic",
        "bp_diastolic",
        "antidepressant_trials",
        "diagnoses",
        "budget_per_session",
    }
)
CONJUNCTS = st.one_of(
    st.builds(lambda v: {"field": "age", "op": "le", "value": v}, st.integers(0, 120)),
    st.builds(lambda v: {"field": "age", "op": "eq", "value": v}, st.integers(0, 120)),
    st.builds(lambda v: {"field": "insurance", "op": "eq", "value": v}, st.sampled_from(["medicaid", "commercial"])),
    st.builds(lambda v: {"field": "needle_averse", "op": "eq", "value": v}, st.booleans()),
    st.builds(lambda v: {"field": "has_driver", "op": "eq", "value": v}, st.booleans()),
    st.builds(lambda v: {"field": "course_modality", "op": "eq", "value": v}, st.sampled_from(["iv", "spravato"])),
    st.builds(lambda v: {"field": "bp_systolic", "op": "gt", "value": v}, st.integers(100, 300)),
    st.builds(lambda v: {"field": "antidepressant_trials", "op": "ge", "value": v}, st.integers(0, 5)),
    st.builds(lambda v: {"field": "diagnoses", "op": "contains", "value": v}, st.sampled_from(["mdd", "ptsd"])),
)


@st.composite
def random_overlays(draw: st.DrawFn) -> dict[str, Any]:
    """A random contraindications.yaml overlay: severities, narrowed or rewritten ``when``s,
    thresholds moved, texts edited, coverage and crisis words changed."""
    bundled = _bundled(CONTRA)
    overlay: dict[str, Any] = {}
    kinds = ["conditions", "medications", "screens"]
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(kinds))
        rule_id = draw(st.sampled_from(sorted(bundled[kind])))
        rule = overlay.setdefault(kind, {}).setdefault(rule_id, {})
        action = draw(st.sampled_from(["severity", "when", "threshold", "text", "headline"]))
        if action == "severity":
            modality = draw(st.sampled_from(["spravato", "iv", "im", "compounded"]))
            rule["severity"] = {modality: draw(SEVERITIES)}
        elif action == "when" and kind == "screens":
            rule["when"] = {"all": [bundled[kind][rule_id]["when"], draw(CONJUNCTS)]}
        elif action == "threshold" and kind == "screens":
            rule["when"] = _replace_values(bundled[kind][rule_id]["when"], 180, draw(st.integers(100, 300)))
        elif action == "text":
            rule[draw(st.sampled_from(["clinician", "patient", "name"]))] = draw(
                st.sampled_from(["No need to worry.", "Go ahead.", "Not a concern."])
            )
        else:
            rule["headline"] = draw(st.booleans())
    if draw(st.booleans()):
        overlay["crisis"] = {"patient": "You can wait, there is no rush; 988 and 911 now exist."}
    return overlay


@st.composite
def probe_records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {**BASE, "age": draw(st.integers(10, 100))}
    record["suicidality"] = draw(st.sampled_from(["none", "passive_ideation", "active_ideation", "plan_or_intent"]))
    record["pregnancy"] = draw(st.sampled_from(["none", "pregnant", "breastfeeding"]))
    record["insurance"] = draw(st.sampled_from(["commercial", "medicare", "medicaid", "va_tricare", "uninsured"]))
    record["antidepressant_trials"] = draw(st.integers(0, 4))
    record["conditions"] = draw(
        st.lists(st.sampled_from(sorted(_bundled(CONTRA)["conditions"])), max_size=2, unique=True)
    )
    record["medications"] = draw(
        st.lists(st.sampled_from(sorted(_bundled(CONTRA)["medications"])), max_size=2, unique=True)
    )
    if draw(st.booleans()):
        record["bp_systolic"] = draw(st.integers(90, 260))
        record["bp_diastolic"] = draw(st.integers(50, min(record["bp_systolic"] - 1, 160)))
    if draw(st.booleans()):
        record["needle_averse"] = draw(st.booleans())
    if draw(st.booleans()):
        record["course_modality"] = draw(st.sampled_from(["spravato", "iv", "im", "compounded"]))
        record["course_sessions"] = draw(st.integers(0, 12))
    return record


PROPERTY_CASES = 60


@settings(
    max_examples=PROPERTY_CASES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(overlay=random_overlays(), records=st.lists(probe_records(), min_size=4, max_size=8))
def test_no_random_overlay_makes_anything_weaker(
    overlay: dict[str, Any],
    records: list[dict[str, Any]],
    tmp_path_factory: pytest.TempPathFactory,
    bundled_kb: KnowledgeBase,
) -> None:
    folder = tmp_path_factory.mktemp("overlay")
    (folder / "overlay.yaml").write_text('base: "0.8.0"\n', encoding="utf-8")
    (folder / CONTRA).write_text(to_yaml(overlay), encoding="utf-8")
    result = outcome(folder)
    if isinstance(result, InputError):
        assert all(p.source == str(folder / CONTRA) and p.field for p in result.problems), result.problems
        return
    for record in records:
        profile = parse_profile(record)
        assert not weaker(evaluate(profile, bundled_kb), evaluate(profile, result)), (overlay, record)


# ------------------------------------------------------------------ the Spanish catalog


def test_a_clinic_catalog_cannot_soften_the_spanish_crisis_message(tmp_path: Path) -> None:
    from ketadecide.lang.catalog import for_data_dir

    folder = clinic(tmp_path, {})
    catalog = load_yaml((DATA_DIR / "lang" / "es.yaml").read_text(encoding="utf-8"), "es")
    catalog["texts"]["crisis.patient"]["es"] = "No hay prisa; puede llamar al 988 otro día."
    (folder / "lang").mkdir()
    (folder / "lang" / "es.yaml").write_text(to_yaml(catalog), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        for_data_dir(folder)
    (problem,) = caught.value.problems
    assert problem.source == str(folder / "lang" / "es.yaml") and problem.field == "crisis.patient"


def test_a_clinic_catalog_may_add_the_spanish_of_its_own_texts(tmp_path: Path) -> None:
    from ketadecide.lang.catalog import for_data_dir

    folder = clinic(tmp_path, {})
    catalog = load_yaml((DATA_DIR / "lang" / "es.yaml").read_text(encoding="utf-8"), "es")
    catalog["texts"]["screens.clinic_bp_review.patient"] = {"en": "Our own text.", "es": "Nuestro texto."}
    (folder / "lang").mkdir()
    (folder / "lang" / "es.yaml").write_text(to_yaml(catalog), encoding="utf-8")
    loaded = for_data_dir(folder)
    assert loaded.texts["screens.clinic_bp_review.patient"].es == "Nuestro texto."
    assert loaded.texts["crisis.patient"].es == catalog["texts"]["crisis.patient"]["es"]


def test_results_carry_the_overlay_beside_the_bundled_hash(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from ketadecide.cli.main import app

    folder = Path(__file__).resolve().parents[2] / "examples" / "clinic-overlay"
    profile = tmp_path / "p.yaml"
    profile.write_text("age: 40\n", encoding="utf-8")
    bundled = load_knowledge_base(DATA_DIR).sha256
    for extra in ([], ["--compact"]):
        res = CliRunner().invoke(app, ["compare", "--data-dir", str(folder), "-p", str(profile), "-f", "json", *extra])
        assert res.exit_code == 0, res.stderr
        kb = json.loads(res.stdout)["knowledge_base"]
        assert kb["sha256"] == bundled
        assert kb["overlay"]["files"] == ["contraindications.yaml", "modalities.yaml", "overlay.yaml", "sources.yaml"]
        assert len(kb["overlay"]["sha256"]) == 64
    plain = CliRunner().invoke(app, ["compare", "-p", str(profile), "-f", "json"])
    assert "overlay" not in json.loads(plain.stdout)["knowledge_base"]
