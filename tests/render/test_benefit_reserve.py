"""Equal detail for an option whose harms have no figure (issue 24, IPDAS v4 C1; third review).

Compounded oral/sublingual ketamine has a controlled benefit figure (Domany 2019, 27 vs 0 out of
100) but no side-effect figure with a comparator. Drawing its benefit as icon arrays while its
harms are one sentence made the option with the weakest evidence the most vivid. The rule is
the data's shape, not an option's name: an option with a benefit figure with a comparator's
number and no harm figure with one gets its benefit with the same reserve: never drawn, the
same sentence, and right after it why the two cannot be weighed in numbers.

Then (C1 asks for equal statistics too, and "0 out of 100" from a 19-person arm claims more than
it can): a patient reads each of that option's outcomes in its own words (``in_words`` in
``data/evidence.yaml``), with no number for either arm; the clinician keeps the numbers, with
the source's counts (6/22 vs 0/19). Synthetic profiles; the bundled data, and copies of it
edited so an option gains or loses a harm figure.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ketadecide import evaluate, load_knowledge_base
from ketadecide.cli.main import app
from ketadecide.engine.result import Result
from ketadecide.i18n.texts import localize
from ketadecide.knowledge.files.evidence import EvidenceFile
from ketadecide.lang import use
from ketadecide.profile import parse_profile
from ketadecide.render.consult_steps import evidence_brief_lines
from ketadecide.render.markdown import render_markdown
from tests.conftest import ROOT
from tests.profiles import screened_adult

KB = load_knowledge_base()
KB_ES = localize(KB).knowledge_base
BASE: dict[str, Any] = screened_adult(age=44, insurance="commercial")
RESERVE = {
    "en": "This study gave no side-effect counts for each group. So we show no numbers for either the good "
    "or the harder points of this choice.",
    "es": "Este estudio no dio cifras de efectos secundarios por grupo. Por eso no damos números ni de lo "
    "bueno ni de lo malo de esta opción.",
}
CLINICIAN_RESERVE = "This trial reports no adverse-event count for each group"
#: Domany 2019's outcome in the patient's words: its period first, then no number for either arm.
DOMANY = {
    "en": (
        "At 3 weeks, more people taking ketamine pills were well again than people taking a fake pill",
        "The test was so small that we cannot be sure of this, or of how many more. (41 adults",
    ),
    "es": (
        "A las 3 semanas, más personas con pastillas de ketamina volvieron a estar bien",
        "La prueba fue tan pequeña que no podemos estar seguros de esto, ni de cuántas más. (41 adultos",
    ),
}
#: What a patient must never read for it (numbers for one side only, "0 out of 100" from 0 of 19).
NUMBERS = {"en": "out of 100", "es": "de cada 100"}
NAMES = {"en": "Oral/sublingual ketamine", "es": "Ketamina oral/sublingual"}
EXAMPLE = str(ROOT / "examples" / "trd-commercial.yaml")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _result(lang: str = "en") -> Result:
    return evaluate(parse_profile(BASE), KB_ES if lang == "es" else KB)


# ---------------------------------------------------------------- the rule (engine and data)


def test_only_the_option_with_a_compared_benefit_and_no_compared_harm_is_held_back() -> None:
    result = _result()
    held = {m.id for m in result.modalities if m.evidence is not None and m.evidence.unweighed is not None}
    assert held == {"compounded"}
    # IM has neither figure: nothing to hold back; Spravato and IV have harms with comparators.
    im = result.modality("im").evidence
    assert im is not None and not any(o.comparator_pct is not None for o in im.outcomes)


def _evidence_data() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "data" / "evidence.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


HARM_WITH_COMPARATOR: dict[str, Any] = {
    "id": "dizziness",
    "label": {"clinician": "Dizziness", "patient": "felt dizzy"},
    "value_pct": 30,
    "comparator_pct": 10,
    "comparator": {"clinician": "placebo", "patient": "a fake pill"},
    "time_frame": {"clinician": "over 3 weeks", "patient": "over 3 weeks"},
    "sources": ["domany_2019"],
    "reviewed": "2026-12-06",
}


def _lose_harms(d: dict[str, Any], modality: str) -> None:
    """``modality`` without its harm figures, and (as the data then must) its outcomes' words."""
    del d["modalities"][modality]["adverse_effects"]
    for o in d["modalities"][modality]["outcomes"]:
        words = f"synthetic words for {o['id']}."
        o["in_words"] = {"patient": words, "sources": list(o["sources"]), "reviewed": "2026-12-06"}


def test_the_rule_follows_the_data_both_ways() -> None:
    data = _evidence_data()
    assert EvidenceFile.model_validate(data).modalities["compounded"].benefit_unweighed()
    gained = _evidence_data()
    gained["modalities"]["compounded"]["adverse_effects"] = [HARM_WITH_COMPARATOR]
    assert not EvidenceFile.model_validate(gained).modalities["compounded"].benefit_unweighed()
    lost = _evidence_data()
    _lose_harms(lost, "iv")
    assert EvidenceFile.model_validate(lost).modalities["iv"].benefit_unweighed()
    # A harm with only a range for its comparator still counts as compared.
    ranged = _evidence_data()
    ranged["modalities"]["compounded"]["adverse_effects"] = [
        {
            **{k: v for k, v in HARM_WITH_COMPARATOR.items() if k not in ("value_pct", "comparator_pct")},
            "range_pct": [20, 30],
            "comparator_range_pct": [5, 10],
        }
    ]
    assert not EvidenceFile.model_validate(ranged).modalities["compounded"].benefit_unweighed()


def test_an_option_held_back_needs_the_words_that_say_why() -> None:
    data = _evidence_data()
    del data["unweighed"]
    with pytest.raises(ValueError, match=r"unweighed.*compounded"):
        EvidenceFile.model_validate(data)
    # With a compared harm for compounded, no option is held back and no words are needed.
    data["modalities"]["compounded"]["adverse_effects"] = [HARM_WITH_COMPARATOR]
    EvidenceFile.model_validate(data)


@pytest.mark.parametrize("outcome", [0, 1])
def test_each_outcome_of_an_option_held_back_needs_its_patient_words(outcome: int) -> None:
    data = _evidence_data()
    gone = data["modalities"]["compounded"]["outcomes"][outcome]
    del gone["in_words"]
    with pytest.raises(ValueError, match=rf"compounded\.outcomes\.{gone['id']}\.in_words is missing"):
        EvidenceFile.model_validate(data)
    # IV losing its harms must then word each of its outcomes too.
    lost = _evidence_data()
    del lost["modalities"]["iv"]["adverse_effects"]
    with pytest.raises(ValueError, match=r"modalities\.iv\.outcomes\.\w+\.in_words is missing"):
        EvidenceFile.model_validate(lost)


def test_a_count_that_disagrees_with_its_figure_is_refused() -> None:
    data = _evidence_data()
    data["modalities"]["compounded"]["outcomes"][0]["comparator_n"] = [1, 19]  # 5.3%, not 0%
    with pytest.raises(ValueError, match=r"comparator_n \(1 of 19\) does not match"):
        EvidenceFile.model_validate(data)
    data["modalities"]["compounded"]["outcomes"][0]["comparator_n"] = [20, 19]
    with pytest.raises(ValueError, match=r"more than the 19 people"):
        EvidenceFile.model_validate(data)


def _data_dir(tmp_path: Path, edit: Any) -> str:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    # Read on its own (test data only), not merged into the bundled files as a clinic's
    # overlay is: a key taken out here is really gone.
    (data / "overlay.yaml").write_text("standalone: synthetic\n", encoding="utf-8")
    loaded = _evidence_data()
    edit(loaded)
    (data / "evidence.yaml").write_text(yaml.safe_dump(loaded, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(data)


def _compare(fmt: str, *extra: str) -> str:
    """The example's patient comparison in ``fmt`` through the CLI."""
    with use("en"):
        out = CliRunner().invoke(app, ["compare", "-p", EXAMPLE, "-a", "patient", "-f", fmt, *extra])
    assert out.exit_code == 0, out.output
    return out.stdout


def _md_section(text: str, name: str) -> str:
    at = text.index(f"### {name}\n\n**")  # the evidence block's heading (not the findings')
    ends = [i for i in (text.find("\n## ", at + 1), text.find("\n### ", at + 1)) if i != -1]
    return text[at : min(ends)]


def test_a_synthetic_option_that_gains_a_harm_figure_is_drawn_again_and_one_that_loses_it_is_not(
    tmp_path: Path,
) -> None:
    def swap(d: dict[str, Any]) -> None:
        d["modalities"]["compounded"]["adverse_effects"] = [HARM_WITH_COMPARATOR]
        _lose_harms(d, "iv")

    text = _compare("markdown", "--data-dir", _data_dir(tmp_path, swap))
    oral = _md_section(text, "Oral/sublingual ketamine")
    iv = _md_section(text, "IV ketamine").replace("\\_", "_")
    # Compounded gained a compared harm: its numbers and its bars come back, its words go.
    domany = next(line for line in oral.splitlines() if "27 out of 100 people were well again" in line)
    assert domany.startswith("- `███░░░░░░░` vs `░░░░░░░░░░` ")  # drawn again
    assert "With a fake pill: 0 out of 100." in domany.replace("\\", "")
    assert "side\\-effect counts" not in oral and "too small to say" not in oral
    # IV lost its harms: its benefit is neither drawn nor a number, and says why after its words.
    assert "█" not in iv and "out of 100 people" not in iv
    words = next(line for line in iv.splitlines() if "synthetic words for elektd_response" in line)
    assert words.startswith("- At 3 weeks")
    last = next(line for line in reversed(iv.splitlines()) if "synthetic words for" in line)
    assert _flat(RESERVE["en"]).replace("-", "\\-").replace(".", "\\.") in _flat(last)


def test_data_that_holds_an_option_back_without_saying_why_is_refused_in_one_line(tmp_path: Path) -> None:
    with use("en"):
        out = CliRunner().invoke(
            app,
            [
                "compare",
                "-p",
                EXAMPLE,
                "-a",
                "patient",
                "-f",
                "markdown",
                "--data-dir",
                _data_dir(tmp_path, lambda d: d.pop("unweighed")),
            ],
        )
    assert out.exit_code == 2
    assert "evidence.yaml" in out.stderr and "unweighed" in out.stderr and "Traceback" not in out.output


def test_data_that_holds_an_option_back_without_its_patient_words_is_refused_in_one_line(tmp_path: Path) -> None:
    def drop(d: dict[str, Any]) -> None:
        del d["modalities"]["compounded"]["outcomes"][0]["in_words"]

    with use("en"):
        out = CliRunner().invoke(
            app,
            ["compare", "-p", EXAMPLE, "-a", "patient", "-f", "markdown", "--data-dir", _data_dir(tmp_path, drop)],
        )
    assert out.exit_code == 2 and out.stdout == ""
    [line] = out.stderr.strip().splitlines()
    assert "evidence.yaml" in line and "domany_remission" in line and "in_words" in line
    assert "Traceback" not in out.output


# ---------------------------------------------------------------- every view, compounded vs the others


@pytest.mark.parametrize("lang", ["en", "es"])
def test_markdown_writes_the_figure_without_bars_and_says_why_right_after_it(lang: str) -> None:
    with use(lang):
        text = render_markdown(_result(lang), "patient")
    oral = _md_section(text, NAMES[lang])
    line = next(x for x in oral.splitlines() if DOMANY[lang][0] in x)
    plain = _flat(line.replace("\\", ""))
    assert line.startswith("- ") and "█" not in oral and "░" not in oral
    assert DOMANY[lang][1] in plain
    # No number for either arm of any of its outcomes (the cohort's neither).
    assert NUMBERS[lang] not in oral.replace("\\", "")
    # Right after the figure and its source, in the same item.
    assert re.search(r"\]\s*" + re.escape(RESERVE[lang]) + "$", plain), plain
    for other in ("Spravato", "IV ketamine" if lang == "en" else "Ketamina IV"):
        assert "█" in _md_section(text, other), other


def test_the_clinicians_markdown_keeps_the_numbers_with_the_counts_but_no_bars() -> None:
    text = render_markdown(_result(), "clinician")
    oral = _flat(_md_section(text, "Oral/sublingual ketamine").replace("\\", ""))
    assert "█" not in oral and CLINICIAN_RESERVE in oral
    # The source's own counts beside the figure: 0 out of 100 is 0 of 19.
    assert "27 out of 100 (6/22, 27.3%), vs 0 out of 100 (0/19, 0%) with placebo" in oral
    assert "63 out of 100" in oral and "more people taking ketamine pills" not in oral


def test_the_terminal_detail_has_no_bar_for_it_and_says_why() -> None:
    with use("en"):
        out = CliRunner().invoke(app, ["compare", "-p", EXAMPLE, "-a", "patient", "--detail"])
    assert out.exit_code == 0, out.output
    text = out.stdout
    at = text.index("Oral/sublingual ketamine\n  How sure we are")
    block = text[at : text.index("\n\n", at)]
    assert "█" not in block and "░" not in block
    flat = _flat(block)
    assert DOMANY["en"][0] in flat and DOMANY["en"][1] in flat and "out of 100" not in flat
    figure_end = flat.index("after a dose.)")
    assert flat.index(RESERVE["en"]) > figure_end
    assert flat.index(RESERVE["en"]) < flat.index("many people said they felt much better")  # directly after it
    spravato = text[text.index("Spravato\n  How sure we are") : at]
    assert "█" in spravato


def _html_figures(page: str, name: str) -> str:
    at = page.index(f"<h3>{name}</h3>")
    return page[at : page.index("</ul>", at)]


@pytest.mark.parametrize(("lang", "extra"), [("en", ()), ("en", ("--large-print",)), ("es", ())])
def test_the_handout_draws_no_icon_array_for_it_and_says_why(lang: str, extra: tuple[str, ...]) -> None:
    page = _compare("html", "--lang", lang, *extra)
    oral = _html_figures(page, NAMES[lang])
    assert "<svg" not in oral
    item = re.search(r'<li class="unweighed">(.*?)</li>', oral, re.S)
    assert item is not None
    text = _flat(re.sub(r"<[^>]+>", "", item.group(1)))
    assert DOMANY[lang][0] in text and DOMANY[lang][1] in text and text.endswith(RESERVE[lang])
    assert NUMBERS[lang] not in _flat(re.sub(r"<[^>]+>", "", oral))
    # Not the cohort's italic, dashed style: the same type as every other figure.
    assert 'class="cohort"' not in item.group(0)
    for other in ("Spravato", "IV ketamine" if lang == "en" else "Ketamina IV"):
        assert _html_figures(page, other).count("<svg") >= 2, other


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_consult_brief_says_why_right_after_its_benefit(lang: str) -> None:
    with use(lang):
        lines = evidence_brief_lines(_result(lang), "patient")
    at = next(i for i, x in enumerate(lines) if x.strip().startswith(NAMES[lang]))
    benefit, harm = lines[at + 1].strip(), lines[at + 2].strip()
    assert benefit.startswith("+ ") and DOMANY[lang][0] in benefit and benefit.endswith(RESERVE[lang])
    assert NUMBERS[lang] not in benefit and harm.startswith("- ") and NUMBERS[lang] not in harm
    spravato = next(i for i, x in enumerate(lines) if x.strip().startswith("Spravato"))
    assert not any(RESERVE[lang] in x for x in lines[spravato : spravato + 3])
