"""Alert burden before go-live: the card rules run over a folder of FHIR bundles.

Each bundle is one chart open (``patient-view``) and, for the order hooks, two synthetic
draft orders: esketamine nasal spray and ketamine with no route given. The report gives
cards per 1,000 calls by hook, by indicator and by topic — what would fire if the service
were switched on for this population.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ketadecide.errors import InputError
from ketadecide.fhir.reader import code_index, read_bundle
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.server.cards import Hook, plan_card
from ketadecide.server.chart import Order, chart_of

SYNTHETIC_ORDERS: tuple[Order, ...] = (
    Order("esketamine", ("spravato",)),
    Order("ketamine", ("iv", "im", "compounded")),
)


@dataclass
class Simulation:
    charts: int = 0
    unreadable: list[str] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    cards: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """(hook, indicator, topic) -> cards."""
    flags: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(hook, safety finding id) -> warning cards it is behind (a card may have several)."""

    def per_1000(self, hook: str, indicator: str | None = None, topic: str | None = None) -> float:
        calls = self.calls[hook]
        n = sum(c for (h, i, t), c in self.cards.items() if h == hook and indicator in (None, i) and topic in (None, t))
        return 1000.0 * n / calls if calls else 0.0

    def flag_rates(self, hook: str) -> dict[str, float]:
        calls = self.calls[hook] or 1
        return {flag: round(1000.0 * n / calls, 1) for (h, flag), n in self.flags.items() if h == hook}

    def lines(self) -> list[str]:
        out = [
            f"Alert burden over {self.charts} charts ({len(self.unreadable)} unreadable): cards per 1,000 calls",
            f"{'hook':<14} {'calls':>7} {'cards':>8} {'info':>8} {'warning':>8} {'critical':>8}",
        ]
        for hook in ("patient-view", "order-select", "order-sign"):
            out.append(
                f"{hook:<14} {self.calls[hook]:>7} {self.per_1000(hook):>8.1f} {self.per_1000(hook, 'info'):>8.1f} "
                f"{self.per_1000(hook, 'warning'):>8.1f} {self.per_1000(hook, 'critical'):>8.1f}"
            )
        out.append("by topic:")
        for (hook, indicator, topic), _n in sorted(self.cards.items()):
            out.append(f"  {hook:<14} {indicator:<8} {topic:<20} {self.per_1000(hook, indicator, topic):>8.1f}")
        if self.flags:
            out.append("safety flags behind the warnings (per 1,000 calls; a card may have several):")
            for (hook, flag), n in sorted(self.flags.items(), key=lambda item: (item[0][0], -item[1])):
                out.append(f"  {hook:<14} {flag:<32} {1000.0 * n / self.calls[hook]:>8.1f}")
        out.extend(f"unreadable: {name}" for name in self.unreadable)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "charts": self.charts,
            "unreadable": list(self.unreadable),
            "calls": dict(self.calls),
            "per_1000": {
                hook: {
                    "cards": round(self.per_1000(hook), 1),
                    "info": round(self.per_1000(hook, "info"), 1),
                    "warning": round(self.per_1000(hook, "warning"), 1),
                    "critical": round(self.per_1000(hook, "critical"), 1),
                    "topics": {
                        f"{i}:{t}": round(self.per_1000(hook, i, t), 1) for (h, i, t) in self.cards if h == hook
                    },
                    "flags": self.flag_rates(hook),
                }
                for hook in ("patient-view", "order-select", "order-sign")
            },
        }


def simulate(folder: Path, kb: KnowledgeBase, as_of: dt.date) -> Simulation:
    """Run the card rules over every ``*.json`` bundle in ``folder`` (sorted by name)."""
    from ketadecide.server.app import evaluate_chart

    index = code_index(kb)
    report = Simulation()
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".json" and p.is_file())
    for file in files:
        try:
            bundle, name = read_bundle(str(file), as_of)
            chart = chart_of(bundle, kb, index, as_of, source=name)
        except InputError:
            report.unreadable.append(file.name)
            continue
        report.charts += 1
        result = evaluate_chart(chart, kb)
        calls: list[tuple[Hook, tuple[Order, ...]]] = [("patient-view", ())]
        calls += [(hook, (order,)) for hook in ("order-select", "order-sign") for order in SYNTHETIC_ORDERS]
        for hook, orders in calls:
            report.calls[hook] += 1
            plan = plan_card(hook, chart, result, orders, source_url="urn:simulation")
            if plan is not None:
                report.cards[(hook, plan.indicator, plan.topic)] += 1
                for flag in plan.flags:
                    report.flags[(hook, flag)] += 1
    return report
