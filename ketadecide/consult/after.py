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
from ketadecide.consult.followup import FollowUp, sure_step, values_step
from ketadecide.engine.result import Audience, Result
from ketadecide.knowledge import files as data_files
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import Profile, parse_profile
from ketadecide.render.consult_steps import evidence_brief_lines, fit_lines, sure_lines


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
) -> tuple[Profile, Result | None]:
    """Ask the steps the data offers; return the profile with their answers and the result
    evaluated from it (None when nothing was answered: the first result stands)."""
    record: dict[str, Any] = person.to_record()
    given = dict(record)
    result: Result | None = None
    steps: list[tuple[FollowUp, Callable[[Result, Audience], list[str]]]] = []
    if kb.values() is not None or kb.decision() is not None:
        # The benefits and harms in brief come before the values and SURE questions, so
        # "Do you know the benefits and risks of each option?" asks about something shown.
        for line in evidence_brief_lines(evaluate(person, kb, handout=handout), audience):
            show(line)
    if (values := kb.values()) is not None:
        steps.append((values_step(values, audience, given), fit_lines))
    if (decision := kb.decision()) is not None:
        steps.append((sure_step(decision, audience, given), sure_lines))
    for step, view in steps:
        ended = False
        try:
            run_interview(step, asker)
        except EOFError:
            ended = True
        if step.answers:
            record.update(step.answers)
            person = parse_profile(record, source="consult")
            result = evaluate(person, kb, handout=handout)
            for line in view(result, audience):
                show(line)
        if ended:
            break
    return person, result
