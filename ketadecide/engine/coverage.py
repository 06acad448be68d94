"""Coverage likelihood and cost for one person: informs the choice, never changes a status."""

from __future__ import annotations

from ketadecide.engine.result import Cost, Coverage, Indication, Worded
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.models import Modality
from ketadecide.profile import Profile


def coverage_for(profile: Profile, modality: Modality, kb: KnowledgeBase, indication: Indication) -> Coverage:
    """How likely the person's payer is to cover this modality, and why.

    A payer record marked ``requires_on_label`` (Spravato's) follows the person's indication:
    on-label keeps the record's answer, off-label makes it unlikely, not established unknown.
    """
    payer = profile.insurance
    if payer == "unknown":
        return Coverage(
            payer=payer,
            likely_covered=None,
            prior_authorization=None,
            note=Worded(
                "Payer not recorded; coverage cannot be estimated.",
                "You did not say what insurance you have, so we cannot tell if it would pay.",
            ),
            refs=(),
        )
    record = getattr(modality.coverage, payer)
    likely = record.likely_covered
    clinician = [record.clinician]
    patient = [record.patient]
    refs = kb.refs(record.sources)
    if likely is True and record.requires_on_label:
        if indication.status == "off_label":
            likely = False
            if record.off_label is not None:
                # The record's text describes coverage of the labelled uses: it must not open
                # the note of a use it does not cover.
                clinician = [record.off_label.clinician]
                patient = [record.off_label.patient]
            else:
                clinician.append(
                    "Coverage policies follow the label's indications; this use is off-label, so approval is unlikely."
                )
                patient.append("Insurance usually pays only for the approved uses, and this would not be one of them.")
        elif indication.status == "not_established":
            likely = None
            clinician.append(
                f"Depends on documenting a labelled indication ({', '.join(indication.needs)} not recorded)."
            )
            patient.append("Insurance usually asks for records showing an approved use; some answers are missing.")
        refs += tuple(r for r in indication.refs if r not in refs)
    if likely is True and record.min_age is not None and profile.age < record.min_age:
        likely = False
        clinician.append(f"Coverage criteria usually require age {record.min_age} or older.")
        patient.append(f"Insurance usually covers this only from age {record.min_age}.")
    return Coverage(
        payer=payer,
        likely_covered=likely,
        prior_authorization=record.prior_authorization,
        note=Worded(" ".join(clinician), " ".join(patient)),
        refs=refs,
    )


def _whole(x: float) -> float:
    # Whole dollars print and serialise as integers (590, not 590.0).
    return int(x) if float(x).is_integer() else round(x, 2)


def cost_for(profile: Profile, modality: Modality, kb: KnowledgeBase, coverage: Coverage | None = None) -> Cost:
    """Usual price per session and for the induction course, with a note on the budget.

    The budget is compared with the price before insurance; when ``coverage`` says the
    payer likely pays, the note says the person's own share is usually far less.
    """
    price = modality.cost_per_session_usd
    sessions = modality.induction_sessions
    per_session = (_whole(price.low), _whole(price.high))
    course = (_whole(price.low * sessions.low), _whole(price.high * sessions.high))
    within: bool | None = None
    note: Worded | None = None
    budget = profile.budget_per_session
    if budget is not None:
        shown = f"${budget:,.0f}"
        span = f"${price.low:,.0f}–${price.high:,.0f}"
        if budget >= price.high:
            within = True
            note = Worded(
                f"Budget {shown}/session covers the usual price ({span}).",
                f"Your budget of {shown} a session covers the usual price ({span}).",
            )
        elif budget >= price.low:
            note = Worded(
                f"Budget {shown}/session is within the usual range ({span}); depends on the clinic.",
                f"Your budget of {shown} a session may be enough; prices range {span} and depend on the clinic.",
            )
        else:
            within = False
            note = Worded(
                f"Budget {shown}/session is below the usual price before insurance ({span}).",
                f"The usual price ({span} a session) is more than your budget of {shown}.",
            )
    if note is not None and within is not True and coverage is not None and coverage.likely_covered:
        note = Worded(
            f"{note.clinician} Likely covered: out-of-pocket is the plan's cost share (copay/coinsurance).",
            f"{note.patient} If your insurance covers it, as it likely does, you usually pay only your share "
            "(a copay or coinsurance), which is much less.",
        )
    return Cost(
        per_session=per_session,
        induction_course=course,
        as_of=price.as_of,
        estimate=price.estimate or sessions.estimate,
        within_budget=within,
        budget_note=note,
        refs=tuple(dict.fromkeys(kb.refs(price.sources) + kb.refs(sessions.sources))),
        note=price.note,
    )
