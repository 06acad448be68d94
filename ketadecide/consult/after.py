"""After the comparison: the optional values step (then the fit) and SURE check (then its
result), asked through the same askers as the interview.

End of input during either step ends the optional steps (they are optional): what was
answered is kept, nothing more is asked. Ctrl-C goes through, as in the interview.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ketadecide.compare import evaluate
from ketadecide.consult.asker import Asker, run_interview
from ketadecide.consult.followup import FollowUp, again_step, plan_record, plan_step, sure_step, values_step
from ketadecide.engine.result import Audience, RecordNotes, Result
from ketadecide.knowledge import files as data_files
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import PLAN_FIELDS, SURE_FIELDS, Profile, parse_profile
from ketadecide.render.consult_steps import evidence_brief_lines, fit_lines, plan_lines, sure_lines
from ketadecide.render.labels import DECISION_HEADINGS, leaning_name


def has_steps(kb: KnowledgeBase) -> bool:
    """Whether the data directory offers either step (values.yaml, decision.yaml)."""
    return kb.has(data_files.VALUES) or kb.has(data_files.DECISION)


def after_comparison(
    person: Profile,
    kb: KnowledgeBase,
    audience: Audience,
    asker: Asker,
    show: Callable[[str], None],
    *,
    handout: bool = False,
    notes: RecordNotes | None = None,
    pointer_shown: bool = False,
) -> tuple[Profile, Result | None]:
    """Ask the steps the data offers; return the profile with their answers and the result
    evaluated from it (None when nothing was answered: the first result stands). ``notes``:
    what a health-record import knows beyond the profile (stale values, record conflicts),
    kept with every evaluation. ``pointer_shown``: the comparison on the screen already said
    where else to turn when no route is open (the brief does not repeat it)."""
    record: dict[str, Any] = person.to_record()
    given = dict(record)
    result: Result | None = None
    steps: list[tuple[FollowUp, Callable[[Result, Audience], list[str]]]] = []
    brief: list[str] = []
    if kb.values() is not None or kb.decision() is not None:
        # The benefits and harms in brief come before the values and SURE questions, so
        # "Do you know the benefits and risks of each option?" asks about something shown.
        first = evaluate(person, kb, handout=handout, record=notes)
        brief = evidence_brief_lines(first, audience, pointer_shown=pointer_shown)
        for line in brief:
            show(line)
    if (values := kb.values()) is not None:
        steps.append((values_step(values, audience, given), fit_lines))
    if (decision := kb.decision()) is not None:
        steps.append((sure_step(decision, audience, given), sure_lines))
    for step, view in steps:
        ended = run_step(step, asker)
        if step.answers:
            record.update(step.answers)
            person = parse_profile(record, source="consult")
            result = evaluate(person, kb, handout=handout, record=notes)
            for line in view(result, audience):
                show(line)
        if ended:
            return person, result
        if step.section_id == "sure" and step.answers.get("sure_understand") is False and brief:
            # "No" to knowing the benefits and risks: offer the brief again, here, where the
            # next step says to read it (issue 24 review, defect 7).
            again = again_step(DECISION_HEADINGS[audience]["brief"], audience)
            if run_step(again, asker):
                return person, result
            if again.answers:
                for line in brief:
                    show(line)
    if any(record.get(f) is False for f in SURE_FIELDS) and any(record.get(f) is None for f in PLAN_FIELDS):
        # A SURE "no": the person's own next steps (leaning, questions, people, a date).
        shown = result or evaluate(person, kb, handout=handout, record=notes)
        # Only the options open to this person, and the choices other than ketamine (issue 24
        # review, IPDAS Q3): a contraindicated route is never offered as a leaning.
        # A route the label advises against is offered with that mark (third IPDAS review, D5).
        open_options = [(m.id, leaning_name(m, audience)) for m in shown.modalities if m.status != "contraindicated"]
        others = [(a.id, a.name.for_(audience)) for a in shown.decision.alternatives] if shown.decision else []
        plan = plan_step(open_options, audience, given, others)
        run_step(plan, asker)
        if plan.answers:
            record.update(plan_record(plan.answers, audience, others))
            person = parse_profile(record, source="consult")
            result = evaluate(person, kb, handout=handout, record=notes)
            for line in plan_lines(result, audience):
                show(line)
    return person, result


def run_step(step: FollowUp, asker: Asker) -> bool:
    """Ask one optional step; True when the input ended during it (nothing more is asked)."""
    try:
        run_interview(step, asker)
    except EOFError:
        return True
    return False
