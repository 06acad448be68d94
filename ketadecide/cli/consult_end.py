"""The end of an interactive consult (issue 24): one key each for the full detail (without
asking again), the printable handout, the same handout in large print, saving the answers
(0600) and the chart note.

A thin shell: every view is the same renderer ``compare`` uses; nothing here decides
anything clinical. Files get fixed names in the current folder and never replace a file
already there (a second handout is ``ketadecide-handout-2.html``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ketadecide.cli.options import OutputFormat
from ketadecide.cli.output import in_large_print, present
from ketadecide.lang import tr, trf, use

MENU = {
    "clinician": "Next: d = full detail, h = write the handout, l = the handout in large print, "
    "s = save the answers, n = chart note, Enter = done ",
    "patient": "What next? d = all the details, h = print-ready handout, l = the handout in large print, "
    "s = save your answers, n = note for your clinician, Enter = done",
}
#: The keys the menu offers (the same in Spanish); anything else is answered with HINT and
#: the menu again: "no" is not ``n`` (the chart note) and "yes" is not nothing.
KEYS = frozenset({"d", "h", "l", "s", "n"})
HINT = {
    "clinician": "Type d, h, l, s or n, or press Enter to finish.",
    "patient": "Please type d, h, l, s or n, or press Enter to finish.",
}


def free_name(stem: str, suffix: str) -> Path:
    """``stem + suffix`` in the current folder, or ``stem-2``... when taken: never overwrite."""
    path = Path(f"{stem}{suffix}")
    n = 2
    while path.exists():
        path = Path(f"{stem}-{n}{suffix}")
        n += 1
    return path


def offer_end(
    who: str,
    detailed: Callable[[], Any],
    save_answers: Callable[[Path], None],
    saved_to: Path | None,
    for_note: Callable[[], Any] | None = None,
    *,
    large_print: bool = False,
) -> None:
    """Offer the five actions until Enter or the end of input. ``detailed()`` gives the result
    with the handout and the evidence (evaluated once, on first use); ``for_note()``, when
    given, the result the chart note is written from (the English data under ``--lang es``:
    the note is the clinician's, all in English). ``large_print``: the handout (h) in large
    print (``consult --large-print``); ``l`` writes it in large print either way (third IPDAS
    review: a consult started without the option could not produce that copy)."""
    cache: list[Any] = []

    def result() -> Any:
        if not cache:
            cache.append(detailed())
        return cache[0]

    while True:
        # The same "> " prompt as every question, on its own line.
        menu = tr(MENU[who]) if who == "patient" else MENU[who]
        print(f"\n{menu}\n> ", end="", file=sys.stderr, flush=True)
        try:
            key = sys.stdin.readline()
        except (OSError, ValueError):
            return
        if not key:  # end of input
            print(file=sys.stderr)
            return
        key = key.strip().casefold()
        if key == "":
            return
        if key not in KEYS:
            print(tr(HINT[who]) if who == "patient" else HINT[who], file=sys.stderr)
            continue
        if key == "d":
            present(_view(result(), who, detail=True), OutputFormat.table, None, who)
        elif key in ("h", "l"):
            big = large_print or key == "l"
            path = free_name("ketadecide-handout-large-print" if key == "l" else "ketadecide-handout", ".html")
            # One line says where it went (present's own "wrote ..." would be a second).
            present(in_large_print(_view(result(), who), big), OutputFormat.html, path, who, announce=False)
            print(trf("ketadecide: handout written to {path}", path=path), file=sys.stderr)
        elif key == "s":
            path = saved_to or free_name("ketadecide-answers", ".yaml")
            save_answers(path)
            saved_to = path
        elif key == "n":
            if for_note is None:
                present(_view(result(), "clinician"), OutputFormat.note, None, "clinician")
            else:
                with use("en"):
                    present(_view(for_note(), "clinician"), OutputFormat.note, None, "clinician")


def _view(result: Any, who: str, *, detail: bool = False) -> Callable[..., str]:
    def draw(renderer: Any, **kw: Any) -> str:
        return str(renderer.comparison(result, who, detail=detail, **kw))

    return draw
