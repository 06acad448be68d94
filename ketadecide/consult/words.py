"""The consult's interface words: what the interview understands (``back``, ``?``, ``skip``,
yes and no) and what it says, in the two registers. Not clinical facts (those are data)."""

from __future__ import annotations

from ketadecide.engine.result import Audience

# Spanish answers are understood in either language (a patient may mix them): "atrás",
# "ayuda", "saltar", "ninguno", "sí". Accents are optional (keyboards without them).
BACK_WORDS = frozenset({"back", "b", "<", "atrás", "atras", "volver"})
HELP_WORDS = frozenset({"?", "help", "h", "ayuda"})
SKIP_WORDS = frozenset({"skip", "-", "saltar", "omitir"})
#: The key of "None of these" on a list question (diagnoses, conditions, medications).
NONE_KEY = "0"
NONE_WORDS = frozenset({"none", "no", "n", "ninguno", "ninguna", "nada"})
YES = frozenset({"yes", "y", "true", "1", "sí", "si", "s"})
NO = frozenset({"no", "n", "false", "0"})
MAX_ANSWER_CHARS = 500

#: Interface words (not clinical facts), in the two registers.
WORDS: dict[str, dict[Audience, str]] = {
    "required": {
        "clinician": "An answer is required here.",
        "patient": "This one is needed to go on. Type ? if you would like help.",
    },
    "first": {
        "clinician": "Already at the first question.",
        "patient": "This is the first question; there is nothing to go back to.",
    },
    "not_on_list": {
        "clinician": "'{token}' is not on the list; use {keys} or the ids shown.",
        "patient": "'{token}' is not one of the choices. Please type a number from {keys}.",
    },
    "ambiguous": {
        "clinician": "'{token}' matches several choices ({which}); type the number.",
        "patient": "'{token}' could mean {which}. Please type the number instead.",
    },
    "whole_number": {
        "clinician": "Expected a whole number{unit}, e.g. {example}.",
        "patient": "Please type a whole number{unit}, for example {example}.",
    },
    "number": {
        "clinician": "Expected a number{unit}, e.g. {example}.",
        "patient": "Please type an amount in numbers{unit}, for example {example}.",
    },
    "yes_no": {
        "clinician": "Answer yes or no (y/n).",
        "patient": "Please answer yes or no.",
    },
    "bp_format": {
        "clinician": "Enter systolic/diastolic in mmHg, e.g. 128/82.",
        "patient": "Please type two numbers with a slash, top number first, for example 120/80.",
    },
    "phq9_gate": {
        "clinician": "Answer yes, no, or the nine item scores (each 0-3), e.g. 1 2 1 0 2 1 1 0 0.",
        "patient": "Please answer yes or no.",
    },
    "phq9_left_out": {
        "clinician": "PHQ-9 left out (all nine items are needed for a score).",
        "patient": "No problem, we left the questionnaire out.",
    },
    "phq9_score": {
        "clinician": "PHQ-9 total {total}/27: {band} (item 9: {item9}).",
        "patient": (
            'Your questionnaire score is {total} out of 27, in the range called "{band}". '
            "It is a screening score, not a diagnosis; your clinician can go through it with you."
        ),
    },
    "skipped": {
        "clinician": "Skipped.",
        "patient": "Skipped.",
    },
    "invalid": {
        "clinician": "{message}.",
        "patient": "That answer does not fit: {message}.",
    },
    "no_skip": {
        "clinician": "Items cannot be skipped one by one; type skip again to leave the PHQ-9 out.",
        "patient": "Type skip again if you would like to leave the whole questionnaire out.",
    },
    "how_choice": {
        "clinician": "Type the number or the id of one choice.",
        "patient": "Type the number of the answer that fits best.",
    },
    "how_multi": {
        "clinician": (
            "Type the numbers or ids of all that apply, comma-separated; 0 or none records that none applies;"
            " Enter or skip leaves the question not asked."
        ),
        "patient": (
            "Type the numbers of all that apply, separated by commas (for example 1,3), or 0 if none apply."
            " Press Enter to skip if you are not sure."
        ),
    },
    "none_of_these": {"clinician": "None of these", "patient": "None of these apply to me"},
    "none_alone": {
        "clinician": "0 (none) cannot be combined with other choices.",
        "patient": "0 means none of these, so it cannot go with other numbers. Please type one or the other.",
    },
    "how_int": {
        "clinician": "Type a whole number.",
        "patient": "Type a whole number.",
    },
    "how_number": {
        "clinician": "Type a number (a $ sign and commas are fine).",
        "patient": "Type an amount in numbers, for example 250.",
    },
    "how_bool": {"clinician": "Answer yes or no.", "patient": "Answer yes or no."},
    "how_bp": {
        "clinician": "Systolic/diastolic in mmHg, e.g. 128/82.",
        "patient": "Top number, a slash, then the bottom number, for example 120/80.",
    },
    "how_nav": {
        "clinician": "'back' returns to the previous question; 'skip' leaves an optional one out.",
        "patient": "Type back to return to the previous question, or skip to leave this one out.",
    },
    "how_back": {
        "clinician": "'back' returns to the previous question.",
        "patient": "Type back to return to the previous question.",
    },
    "which_kind": {
        "clinician": "{name} sells more than one kind of plan: which is it? {which}.",
        "patient": "{name} has more than one kind of plan. Which one do you have? {which}.",
    },
    "crisis_choose": {
        "clinician": "Type y to go on with the consult, or n to stop here.",
        "patient": "Type yes to go on with the questions, or no to stop here. 988 is there now.",
    },
    "safety_gentle": {
        "clinician": "Any suicidal ideation calls for a same-day risk assessment; crisis line 988 (call, text, chat).",
        "patient": (
            "Thank you for telling us. Thoughts like these matter, and help is there. Please talk with your"
            " clinician about them soon, ideally today. You can call or text 988 any time, day or night."
        ),
    },
    "sources": {"clinician": "Sources: {sources}", "patient": ""},
}


def words(key: str, audience: Audience, **values: object) -> str:
    from ketadecide.lang import tr

    text = WORDS[key][audience]
    return (tr(text) if audience == "patient" else text).format(**values)
