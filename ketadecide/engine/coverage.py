"""Coverage likelihood and cost for one person: informs the choice, never changes a status."""

from __future__ import annotations

from ketadecide.engine.result import Cost, Coverage, Indication, OutOfPocketEstimate, Worded
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.models import Modality, OutOfPocket
from ketadecide.lang import tr, trf
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
                tr("You did not say what insurance you have, so we cannot tell if it would pay."),
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
                patient.append(
                    tr("Insurance usually pays only for the approved uses, and this would not be one of them.")
                )
        elif indication.status == "not_established":
            likely = None
            clinician.append(
                f"Depends on documenting a labelled indication ({', '.join(indication.needs)} not recorded)."
            )
            patient.append(tr("Insurance usually asks for records showing an approved use; some answers are missing."))
        refs += tuple(r for r in indication.refs if r not in refs)
    if likely is True and record.min_age is not None and profile.age < record.min_age:
        likely = False
        clinician.append(f"Coverage criteria usually require age {record.min_age} or older.")
        patient.append(trf("Insurance usually covers this only from age {age}.", age=record.min_age))
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


def _span(pair: tuple[float, float]) -> str:
    low, high = pair
    return f"${low:,.0f}" if low == high else f"${low:,.0f}–${high:,.0f}"


def plan_share(modality: Modality, payer: str, likely_covered: bool | None) -> OutOfPocket | None:
    """The payer record's share, only when the payer likely pays (else the full price applies)."""
    if likely_covered is not True or payer == "unknown":
        return None
    share: OutOfPocket | None = getattr(modality.coverage, payer).out_of_pocket
    return share


def out_of_pocket_per_session(modality: Modality, payer: str, likely_covered: bool | None) -> tuple[float, float]:
    """The per-session out-of-pocket estimate ``(low, high)`` in US dollars for a payer and a
    coverage answer: the plan share when the payer likely pays and the data gives one, else
    the full price. Its only inputs are these three, so the batch compiler
    (:mod:`ketadecide.batch.sql.compile`) calls it once per payer and coverage answer and
    writes the numbers into the SQL: the rounding is this function's, never the database's."""
    price = modality.cost_per_session_usd
    share = plan_share(modality, payer, likely_covered)
    if share is None:
        return (_whole(price.low), _whole(price.high))
    if share.coinsurance_pct is not None:
        low_pct, high_pct = share.coinsurance_pct
        return (_whole(round(price.low * low_pct / 100)), _whole(round(price.high * high_pct / 100)))
    assert share.copay_usd is not None
    return (_whole(share.copay_usd[0]), _whole(share.copay_usd[1]))


def within_budget(budget: float | None, per_session: tuple[float, float]) -> bool | None:
    """The budget against the estimate: True when it covers the high end, False when it is
    below the low end, None in between or when no budget was given."""
    if budget is None:
        return None
    low, high = per_session
    if budget >= high:
        return True
    return None if budget >= low else False


def out_of_pocket_for(
    profile: Profile, modality: Modality, kb: KnowledgeBase, coverage: Coverage
) -> OutOfPocketEstimate:
    """What the person would likely pay per session and for the first course: an estimate.

    It follows ``coverage.likely_covered``: only when the payer likely pays is the payer
    record's share (coinsurance or copay) applied, with its savings programme if any; when
    coverage is unlikely or unknown (e.g. off-label Spravato) it is the full price, so no
    one is shown a plan share or a savings-card figure they would not get.
    """
    price = modality.cost_per_session_usd
    sessions = modality.induction_sessions
    share = plan_share(modality, profile.insurance, coverage.likely_covered)
    per = out_of_pocket_per_session(modality, profile.insurance, coverage.likely_covered)
    if share is None:
        if coverage.likely_covered is True:
            # Covered, but the data gives no share to estimate with: say so, never guess.
            words = Worded(
                "Estimate: the plan likely pays, but no cost-share estimate is recorded; up to the full price.",
                tr(
                    "This is a guess. Your plan will likely help pay, but we cannot tell how much. "
                    "At most you would pay the full price."
                ),
            )
        elif profile.insurance == "uninsured":
            # No insurance to "likely not pay" (issue 24 review, defect 12).
            words = Worded(
                "Estimate: no insurance, so the full price (cash).",
                tr("This is a guess. With no insurance, you would pay the full price."),
            )
        elif coverage.likely_covered is False:
            words = Worded(
                "Estimate: coverage unlikely for this payer, so the full price (cash).",
                tr("This is a guess. Your insurance will likely not pay, so you would pay the full price."),
            )
        else:
            words = Worded(
                "Estimate: coverage unknown, so up to the full price (cash) unless the plan approves it.",
                tr("This is a guess. We cannot tell if insurance would pay, so you may pay the full price."),
            )
        return OutOfPocketEstimate(
            per_session=per,
            induction_course=(_whole(price.low * sessions.low), _whole(price.high * sessions.high)),
            basis="full_price",
            assumptions=words,
            savings_program=None,
            refs=tuple(dict.fromkeys(kb.refs(price.sources) + coverage.refs)),
            full_price_label=_w(price.full_price_label) if price.full_price_label else None,
        )
    high = per[1] * sessions.high
    if share.deductible_usd is not None and share.coinsurance_pct is not None:
        # The deductible not yet met: paid in full, then the coinsurance on the rest. The low
        # end keeps it met, so the range spans both (course_note says so).
        whole = price.high * sessions.high
        paid = min(share.deductible_usd, whole)
        high = paid + (whole - paid) * share.coinsurance_pct[1] / 100
    return OutOfPocketEstimate(
        per_session=per,
        induction_course=(_whole(per[0] * sessions.low), _whole(round(high))),
        basis="plan_share",
        assumptions=_w(share.assumptions),
        savings_program=_w(share.savings_program) if share.savings_program else None,
        refs=tuple(dict.fromkeys(kb.refs(share.sources) + kb.refs(price.sources))),
        course_note=_w(share.course_note) if share.course_note else None,
    )


def _w(text: object) -> Worded:
    return Worded(text.clinician, text.patient)  # type: ignore[attr-defined]


def cost_for(profile: Profile, modality: Modality, kb: KnowledgeBase, coverage: Coverage) -> Cost:
    """The price before insurance, what the person would likely pay, and a note on the budget.

    The budget is compared with the out-of-pocket estimate (what this person would pay), not
    the price before insurance.
    """
    price = modality.cost_per_session_usd
    sessions = modality.induction_sessions
    per_session = (_whole(price.low), _whole(price.high))
    course = (_whole(price.low * sessions.low), _whole(price.high * sessions.high))
    oop = out_of_pocket_for(profile, modality, kb, coverage)
    note: Worded | None = None
    budget = profile.budget_per_session
    # One comparison for every output (the batch SQL writes the same test per payer).
    within = within_budget(budget, oop.per_session)
    if budget is not None:
        shown = f"${budget:,.0f}"
        span = _span(oop.per_session)
        if within is True:
            note = Worded(
                f"Budget {shown}/session covers the out-of-pocket estimate ({span}).",
                trf(
                    "Your budget of {shown} a visit covers what you might pay ({span}, a guess).",
                    shown=shown,
                    span=span,
                ),
            )
        elif within is None:
            note = Worded(
                f"Budget {shown}/session is within the out-of-pocket estimate ({span}); depends on plan and clinic.",
                trf(
                    "Your budget of {shown} a visit may be enough. You might pay {span} (a guess).",
                    shown=shown,
                    span=span,
                ),
            )
        else:
            note = Worded(
                f"Budget {shown}/session is below the out-of-pocket estimate ({span}).",
                trf(
                    "You might pay {span} a visit (a guess). That is more than your budget of {shown}.",
                    shown=shown,
                    span=span,
                ),
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
        out_of_pocket=oop,
    )
