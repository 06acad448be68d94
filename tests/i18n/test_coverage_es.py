"""How much of what a patient reads is in Spanish (issue 28's closing figures), checked and
printed (``pytest -s tests/i18n/test_coverage_es.py`` shows the line).

Two kinds of strings:

- the **data texts** (``patient``, ``plain_name``, names, the SURE items) of the bundled
  knowledge base, by key (``ketadecide data validate --lang es`` gives the same count);
- the **program's own patient words**, found in the code itself: every string literal given
  to ``tr``/``trf``, and every ``"patient": "..."`` entry of a two-register table. Each must
  have a twin in the catalog's ``interface`` (so a new English patient text without its
  Spanish fails here, before any run shows it in English).
"""

from __future__ import annotations

import ast
import statistics
from pathlib import Path

from ketadecide.floor import load_knowledge_base
from ketadecide.i18n.texts import coverage
from ketadecide.lang.catalog import bundled_path, interface, load, norm
from ketadecide.readability_es import inflesz, measure
from tests.conftest import ROOT

PACKAGE = ROOT / "ketadecide"
#: Literal "patient" entries that are no words for a patient, each with its reason.
NOT_PATIENT_WORDS = {
    "Patient/warm-up": "server/app.py: a FHIR reference in the server's synthetic warm-up bundle",
    "age": "server/fetch.py: a profile field name, the key of a mapping",
}


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def patient_literals(package: Path = PACKAGE) -> dict[str, str]:
    """Every patient text written in the code: ``{text (whitespace folded): where}``."""
    found: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        where = path.relative_to(package.parent)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            texts: list[tuple[str | None, int]] = []
            if isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in ("tr", "trf"):
                    texts.append((_literal(node.args[0]), node.lineno))
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if key is not None and _literal(key) == "patient":
                        inner = value.values if isinstance(value, ast.Dict) else [value]
                        texts += [(_literal(v), v.lineno) for v in inner]
            for text, line in texts:
                if text and text.strip():
                    found.setdefault(norm(text), f"{where}:{line}")
    return found


def test_every_patient_text_in_the_code_has_a_spanish_twin() -> None:
    words = interface()
    literals = patient_literals()
    assert len(literals) > 200  # the scan finds the tables (it can fail)
    missing = {t: w for t, w in literals.items() if t not in words and t not in NOT_PATIENT_WORDS}
    assert missing == {}, "patient texts in the code without a Spanish twin in data/lang/es.yaml"


def test_coverage_and_readability_figures() -> None:
    kb = load_knowledge_base(None)
    cov = coverage(kb)
    data_total, data_done = len(cov.status), cov.translated
    safety_done = sum(1 for k in cov.safety if cov.status[k] == "translated")
    literals = {t for t in patient_literals() if t not in NOT_PATIENT_WORDS}
    words = interface()
    code_done = sum(1 for t in literals if t in words)
    assert data_done == data_total and safety_done == len(cov.safety) and code_done == len(literals)

    catalog = load(bundled_path())
    units = {k: t.es for k, t in catalog.texts.items()}
    units.update({f"interface: {en[:40]}": es for en, es in catalog.interface.items()})
    scores = sorted(inflesz(v) for v in units.values() if measure(v).sentences >= 3)
    assert scores and scores[0] >= 55.0
    print(
        f"\nSpanish coverage: data texts {data_done}/{data_total} (safety {safety_done}/{len(cov.safety)}); "
        f"program's patient words {code_done}/{len(literals)}; "
        f"all {data_done + code_done}/{data_total + len(literals)}; catalog interface entries {len(words)}.\n"
        f"INFLESZ over {len(scores)} Spanish units of 3+ sentences: {scores[0]:.1f} to {scores[-1]:.1f}, "
        f"median {statistics.median(scores):.1f}."
    )


def test_the_scan_would_catch_a_new_text_without_its_twin(tmp_path: Path) -> None:
    """A table entry or a tr() call added without its Spanish is found (the check can fail)."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "new.py").write_text(
        'WORDS = {"hi": {"clinician": "Hello.", "patient": "A brand-new sentence for you."}}\n'
        'LINE = tr("Another new line for the patient.")\n'
    )
    found = patient_literals(package)
    assert set(found) == {"A brand-new sentence for you.", "Another new line for the patient."}
    assert not set(found) & set(interface())
