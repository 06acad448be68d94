"""Batch on a terminal (Rich): the run summary tables and the progress bar."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from ketadecide.engine.result import STATUSES
from ketadecide.profile import MODALITY_IDS

#: The four statuses (CONTRACT §3, in order of precedence) and their one-letter keys.
_STATUS = STATUSES
_KEYS = {"contraindicated": "X", "incomplete": "I", "caution": "C", "no_flags": "N"}
_INDICATION = ("on_label", "off_label", "not_established")
_LEGEND = (
    "X/I/C/N = contraindicated / incomplete (screening questions unanswered) / caution / no_flags "
    "(no safety flag raised by the answers given; not a recommendation). on/off/n.e. = on-label / "
    "off-label / not established."
)


def _block_table(title: str, block: dict[str, Any]) -> Table:
    """One row per modality: the statuses as X/I/C/N counts and the indications in one
    column each, so the findings keep the rest of an 80-column terminal (ids are folded,
    never cut)."""
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("modality", no_wrap=True)
    table.add_column("/".join(_KEYS[s] for s in _STATUS), justify="right", no_wrap=True)
    table.add_column("on/off/n.e.", justify="right", no_wrap=True)
    table.add_column("findings (most frequent first)", overflow="fold", ratio=1)
    for m in MODALITY_IDS:
        mod = block["modalities"][m]
        found = ", ".join(f"{k} {v:,}" for k, v in list(mod["findings"].items())[:6])
        more = len(mod["findings"]) - 6
        if more > 0:
            found += f", +{more} more"
        indication = "/".join(f"{mod.get('indication', {}).get(i, 0):,}" for i in _INDICATION)
        table.add_row(m, "/".join(f"{mod[s]:,}" for s in _STATUS), indication, found or "-")
    return table


def print_summary(summary: dict[str, Any], file: IO[str], *, color: bool, width: int) -> None:
    """The run summary: totals, then per modality overall and by payer."""
    console = Console(file=file, force_terminal=color, no_color=not color, width=width, highlight=False)
    ok = "all accounted for" if summary["accounted_for"] else "NOT ALL ACCOUNTED FOR"
    console.print(
        f"[bold]{summary['rows_in']:,}[/] rows in = [bold]{summary['rows_out']:,}[/] results + "
        f"[bold]{summary['error_rows']:,}[/] error rows ({ok})"
    )
    if summary["error_rows"]:
        console.print(f"errors: {summary['errors_file'] or '(returned)'}")
    overall = summary["overall"]
    console.print(f"crisis (988 message shown): [bold]{overall['crisis']:,}[/]")
    console.print(_block_table("All payers", overall))
    keys = "/".join(_KEYS[s] for s in _STATUS)
    by_payer = Table(title=f"By payer ({keys} per modality)", title_justify="left")
    by_payer.add_column("payer", no_wrap=True)
    by_payer.add_column("rows", justify="right", no_wrap=True)
    by_payer.add_column("crisis", justify="right", no_wrap=True)
    for m in MODALITY_IDS:
        by_payer.add_column(m, justify="right", no_wrap=True)
    for payer, block in summary["by_payer"].items():
        cells = ["/".join(f"{block['modalities'][m][s]:,}" for s in _STATUS) for m in MODALITY_IDS]
        by_payer.add_row(payer, f"{block['rows']:,}", f"{block['crisis']:,}", *cells)
    console.print(by_payer)
    console.print(f"{_LEGEND} Findings and indications by payer: --summary FILE (JSON).")


class CountColumn(ProgressColumn):
    """Rows done of the total (estimated from the file's size when it is known), with
    thousands separators."""

    def render(self, task: Task) -> Text:
        done = f"{int(task.completed):,}"
        return Text(f"{done} of {int(task.total):,}" if task.total else done, style="progress.download")


class RateColumn(ProgressColumn):
    """Rows per second, with thousands separators (blank until Rich has measured it)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="progress.data.speed")


@contextlib.contextmanager
def progress_bar(file: IO[str], *, width: int) -> Iterator[Callable[[int, int | None], None]]:
    """A progress bar on ``file`` (a terminal); yields the callback the runner calls."""
    console = Console(file=file, width=width)
    with Progress(
        TextColumn("batch"),
        BarColumn(),
        CountColumn(),
        TextColumn("rows"),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("rows", total=None)

        def update(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=max(total, done) if total else None)

        yield update
