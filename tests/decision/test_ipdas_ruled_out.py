"""IPDAS re-review (issue 24), for a person with every ketamine route ruled out
(examples/ich-history.yaml: a past brain bleed): the pointer to other care says each has its
own safety checks (N2), is printed once in the consult (N9), and the handout leaves out the
ketamine-clinic material and never compares against a ruled-out route as if it were on
offer (N5). Synthetic profile only."""

from __future__ import annotations

import re

from ketadecide import evaluate, load_knowledge_base
from ketadecide.cli.main import app
from ketadecide.profile import parse_profile
from ketadecide.safeyaml import load_yaml
from tests.conftest import ROOT

KB = load_knowledge_base()
ICH = ROOT / "examples" / "ich-history.yaml"
ANSWERS = "n\n" * 6 + "\n" * 4  # no to every optional step, Enter to the rest
POINTER = "None of these ketamine choices is safe for you right now."


def _result():  # type: ignore[no-untyped-def]
    record = load_yaml(ICH.read_text(encoding="utf-8"), str(ICH))
    result = evaluate(parse_profile(record), KB)
    assert all(m.status == "contraindicated" for m in result.modalities)
    return result


def test_the_pointer_to_other_care_says_each_has_its_own_safety_checks(runner) -> None:
    said = _result().nothing_open
    assert said is not None
    assert "Each of these has its own safety checks. Your doctor will check that it is safe for you." in said.patient
    assert "Each has its own safety checks; confirm it is safe for this patient" in " ".join(said.clinician.split())
    es = runner.invoke(app, ["compare", "--profile", str(ICH), "-a", "patient", "--lang", "es"])
    assert es.exit_code == 0, es.stderr
    words = " ".join(es.stdout.split())
    caveat = "Cada una de estas tiene sus propios controles de seguridad. Su médico revisará que sea segura para usted."
    assert caveat in words


def test_the_consult_prints_the_pointer_and_its_sources_once(runner) -> None:
    # Decline the values and SURE steps; the table on the screen already carries the pointer.
    done = runner.invoke(app, ["consult", "--profile", str(ICH), "-a", "patient"], input=ANSWERS)
    assert done.exit_code == 0, done.stderr
    everything = " ".join((done.stdout + done.stderr).split())
    assert everything.count(POINTER) == 1
    assert everything.count("NeuroStar TMS Therapy System") == 1  # its first source, once
    # Without the table on the screen (JSON on stdout), the brief still says it, on stderr.
    as_json = runner.invoke(
        app,
        ["consult", "--profile", str(ICH), "-a", "patient", "--format", "json"],
        input=ANSWERS,
    )
    assert as_json.exit_code == 0, as_json.stderr
    assert " ".join(as_json.stderr.split()).count(POINTER) == 1


KETAMINE_CLINIC = (
    "Choosing a clinic",
    "Talk therapy with each option",
    "More about each option",
    "Questions to ask a provider",
    "Price before insurance",
    "What matters most to you",
)


def test_with_no_route_open_no_view_prints_ketamine_clinic_material() -> None:
    from ketadecide.render.html import render_html
    from ketadecide.render.markdown import render_markdown
    from ketadecide.render.terminal import render_table

    result = _result()
    views = {
        "handout": re.sub(r"<style>.*?</style>", "", render_html(result, "patient"), flags=re.S),  # not its CSS
        "markdown": render_markdown(result, "patient").replace("\\", ""),
        "detail": render_table(result, "patient", detail=True, width=120),
    }
    for name, view in views.items():
        flat = " ".join(view.split())
        for heading in KETAMINE_CLINIC:
            assert heading not in flat, (name, heading)
        assert POINTER in flat, name  # what else there is stays
        assert "Other choices (not ketamine)" in flat, name
        # The other choices' comparators say they are the study's other arm, not an offer.
        assert "With IV ketamine: 55" not in flat and "With Spravato: 27" not in flat, name
        assert "In the same study, with IV ketamine: 55 out of 100." in flat, name
    assert "Which option are you leaning toward?" in views["handout"]  # the plan stays
    # With a route open, the clinic material is still there.
    typical = evaluate(
        parse_profile(
            {"age": 40, "diagnoses": ["mdd"], "antidepressant_trials": 3, "suicidality": "none", "conditions": []}
        ),
        KB,
    )
    assert typical.nothing_open is None
    page = " ".join(re.sub(r"<style>.*?</style>", "", render_html(typical, "patient"), flags=re.S).split())
    for heading in KETAMINE_CLINIC:
        assert heading in page, heading
