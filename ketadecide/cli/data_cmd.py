"""``ketadecide data validate [DIR]``: check a knowledge base before a clinic relies on it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ketadecide.cli.errors import EXIT_INPUT, handles_errors
from ketadecide.cli.help import examples
from ketadecide.errors import capped

app = typer.Typer(
    help="Work with knowledge-base data directories.",
    short_help="Check a clinic's own knowledge base (data validate).",
    no_args_is_help=True,
    add_completion=False,
)


@app.command(
    "validate",
    short_help="Check a data directory (schema, sources, dates, clinical floor).",
    epilog=examples(
        "ketadecide data validate",
        "ketadecide data validate ./our-data --strict",
        "ketadecide compare --data-dir ./our-data --profile visit.yaml",
    ),
)
@handles_errors
def validate(
    directory: Annotated[
        Path | None,
        typer.Argument(
            metavar="DIR",
            help="The data directory to check (default: --data-dir / KETADECIDE_DATA_DIR, else the bundled data).",
            show_default=False,
        ),
    ] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", envvar="KETADECIDE_DATA_DIR", hidden=True)] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors (exit 2).")] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="LANG",
            help="Also check the Spanish (es): list every patient text still in English; exit 2 when a "
            "safety text, or a text this directory changed, has no Spanish.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Validate a data directory: schema, cross-references, sources, dates and clinical floor.

    Exit 0 when clean (warnings are listed), 2 when there are errors.
    """
    from ketadecide.floor import validate_data_dir

    target = directory or data_dir
    report = validate_data_dir(target)
    for problem in capped(report.errors):
        print(f"ketadecide: error: {problem}", file=sys.stderr)
    for problem in capped(report.warnings, 200):
        print(f"ketadecide: warning: {problem}", file=sys.stderr)
    kb = report.knowledge_base
    if report.errors or kb is None:
        print(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s).", file=sys.stderr)
        raise typer.Exit(EXIT_INPUT)
    rules = len(kb.conditions) + len(kb.medications) + len(kb.screens)
    overlay = (
        f" (an overlay of {len(kb.overlay.files)} file(s) on the bundled data, which it may only add to and tighten)"
        if kb.overlay
        else ""
    )
    print(
        f"OK: {kb.data_dir}{overlay}: {len(kb.modalities)} modalities, {rules} rules "
        f"({len(kb.conditions)} conditions, {len(kb.medications)} medications, {len(kb.screens)} screens), "
        f"{len(kb.sources)} sources; oldest review {kb.reviewed.isoformat()}; "
        f"{len(report.warnings)} warning(s); sha256 {kb.sha256}"
        + (f"; overlay sha256 {kb.overlay.sha256}" if kb.overlay else "")
    )
    if lang is not None:
        _check_language(kb, lang)
    if strict and report.warnings:
        raise typer.Exit(EXIT_INPUT)


def _check_language(kb: object, lang: str) -> None:
    """``--lang es``: the Spanish catalog against this data's patient texts."""
    from ketadecide.errors import InputError, Problem
    from ketadecide.i18n.texts import coverage
    from ketadecide.knowledge.base import KnowledgeBase

    assert isinstance(kb, KnowledgeBase)
    if lang != "es":
        raise InputError(Problem(f"no translations for {lang!r}; the languages are en and es", field="--lang"))
    cov = coverage(kb)
    for key in cov.fallbacks():
        if key not in cov.refused():
            print(
                f"ketadecide: warning: {cov.catalog}: field '{key}': no current Spanish (English shown)",
                file=sys.stderr,
            )
    for key in cov.unused:
        print(f"ketadecide: warning: {cov.catalog}: field '{key}': names no patient text of this data", file=sys.stderr)
    total = len(cov.status)
    print(
        f"Spanish: {cov.translated}/{total} patient texts translated; {len(cov.fallbacks())} shown in English; "
        f"safety texts {sum(1 for k in cov.safety if cov.status[k] == 'translated')}/{len(cov.safety)}."
    )
    problems = cov.problems()
    if problems:
        for problem in capped(problems):
            print(f"ketadecide: error: {problem}", file=sys.stderr)
        raise typer.Exit(EXIT_INPUT)


@app.command(
    "overlay",
    short_help="Turn a full copy of data/ into a clinic overlay (what it adds and tightens).",
    epilog=examples("ketadecide data overlay --from ./our-copy --base 0.3.0 -o ./our-data"),
)
@handles_errors
def overlay_cmd(
    copy: Annotated[
        Path,
        typer.Option("--from", metavar="COPY", help="A clinic's full copy of the bundled data directory."),
    ],
    base: Annotated[str, typer.Option("--base", metavar="VERSION", help="The bundled release the copy was made from.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="DIR", help="A new folder for the overlay (default: COPY-overlay)."),
    ] = None,
) -> None:
    """Write the minimal overlay of a full copy: only what it adds or tightens.

    Each difference that would loosen the bundled data (a lowered severity, reworded label
    text, more generous coverage, ...) cannot be kept; each is listed on stderr, one line
    naming the file and key. Then check the result with `ketadecide data validate DIR`.
    """
    from ketadecide.errors import InputError, Problem
    from ketadecide.knowledge.migrate import migrate
    from ketadecide.outputs import write_text

    target = out or copy.with_name(copy.name + "-overlay")
    if not copy.is_dir():
        raise InputError(Problem("not a data directory", str(copy)))
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(Problem("the overlay goes in a new or empty folder; this one is not", str(target)))
    result = migrate(copy, base)
    target.mkdir(parents=False, exist_ok=True)
    for name, text in result.files.items():
        write_text(target / name, text)
    for problem in capped(result.left_out, 200):
        print(f"ketadecide: left out (would loosen the bundled data): {problem}", file=sys.stderr)
    kept = len(result.files) - 1
    print(
        f"Wrote {target}: overlay.yaml and {kept} file(s) of additions and tightenings; "
        f"{len(result.left_out)} difference(s) left out. Check it: ketadecide data validate {target}"
    )


@app.command(
    "cache",
    short_help="Show or clear the validated-data cache (it holds no patient data).",
    epilog=examples("ketadecide data cache", "ketadecide data cache --clear"),
)
@handles_errors
def cache_cmd(
    clear: Annotated[bool, typer.Option("--clear", help="Remove every entry (always safe).")] = False,
) -> None:
    """Where the validated-data cache is and what it holds.

    A data directory is validated once per content; later runs with the same files and the
    same ketadecide start from the validated records. Entries hold clinical data only,
    never a profile or an answer. KETADECIDE_CACHE_DIR moves the cache and
    KETADECIDE_NO_CACHE=1 turns it off.
    """
    from ketadecide.knowledge import cache

    folder = cache.cache_dir()
    if folder is None:
        print("The validated-data cache is off (KETADECIDE_NO_CACHE is set).")
        return
    if clear:
        removed = cache.clear(folder)
        print(f"Removed {removed} entr{'y' if removed == 1 else 'ies'} from {folder}.")
        return
    found = cache.entries(folder)
    size = sum(p.stat().st_size for p in found if p.exists())
    print(f"{folder}: {len(found)} entr{'y' if len(found) == 1 else 'ies'}, {size / 1024:.0f} KiB")


def register(main: typer.Typer) -> None:
    main.add_typer(app, name="data")
