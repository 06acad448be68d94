"""The layer contract: which rooms of ``ketadecide`` may import which (README "Layers").

Data flows one way: sources -> Profile -> engine with knowledge -> Result -> render, with
the interfaces (consult, FHIR, batch) and the CLI on top. A room (a subpackage, or a
top-level module standing alone) may import only rooms in layers BELOW its own; rooms in
the same layer are independent of each other. Every import counts, lazy ones included (the
graph is :func:`tests.test_import_cycles.import_edges`). ``ketadecide/__init__.py`` (the
lazy public API) sits above everything and is left out.

If this fails, it names the file and line of the import. Either the import goes (move the
code to the room that owns it, or pass the value in, as ``compare`` passes troubleshooting
into the engine), or the contract changes here AND in the README, on purpose.
"""

from __future__ import annotations

from pathlib import Path

from tests.test_import_cycles import ROOT, _modules, import_edges, package_of

#: Bottom first. Keep README.md's "Layers" list in step (tests/test_layers.py checks it).
LAYERS: tuple[tuple[str, ...], ...] = (
    # foundations: no ketadecide import at all
    ("_version", "errors", "citations", "readability", "readability_es", "tty"),
    # reading and writing files safely
    ("files", "outputs"),
    ("safeyaml", "profile"),
    # the rule language over profile fields
    ("predicates",),
    # the patient's language: which one, the Spanish catalog, the interface words in it
    ("lang",),
    # the data files' models, the loader and the cache
    ("knowledge",),
    ("decision",),
    # evaluate(): profile + knowledge -> Result; imports no feature
    ("engine",),
    # what the features add around the engine
    ("floor", "troubleshoot"),
    # the knowledge base in the patient's language
    ("i18n",),
    ("compare", "render", "sources"),
    # the interfaces
    ("consult",),
    ("fhir",),
    ("batch", "server"),
    # wiring only
    ("cli",),
)


def _layer_of() -> dict[str, int]:
    return {f"ketadecide.{room}": rank for rank, rooms in enumerate(LAYERS) for room in rooms}


def test_every_room_is_in_exactly_one_layer() -> None:
    listed = [room for rooms in LAYERS for room in rooms]
    assert len(listed) == len(set(listed)), "a room is listed twice"
    rooms = {package_of(m) for m in _modules()} - {"ketadecide", "ketadecide.__main__"}
    missing = sorted(rooms - set(_layer_of()))
    gone = sorted(set(_layer_of()) - rooms)
    assert not missing, f"new room(s) {missing}: add them to a layer in tests/test_layers.py and README 'Layers'"
    assert not gone, f"room(s) {gone} no longer exist: take them out of tests/test_layers.py and README 'Layers'"


def violations(edges: list[tuple[str, str, Path, int]]) -> list[str]:
    layer = _layer_of()
    found = []
    for importer, imported, path, line in edges:
        a, b = package_of(importer), package_of(imported)
        if a == b or a not in layer or b not in layer:
            continue
        if layer[b] >= layer[a]:
            where = "the same layer as" if layer[b] == layer[a] else "a layer above"
            allowed = sorted(r for rooms in LAYERS[: layer[a]] for r in rooms)
            found.append(
                f"{path.relative_to(ROOT)}:{line}: {importer} imports {imported}, in {where} "
                f"{a.removeprefix('ketadecide.')} (it may import: {', '.join(allowed) or 'nothing'})"
            )
    return found


def test_imports_go_down_the_layers_only() -> None:
    found = violations(import_edges())
    assert found == [], "\n".join(found)


def test_the_readme_lists_the_same_layers() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Layers", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| layer")]
    readme = [tuple(cell.strip("` ") for cell in row.split("|")[2].split(",")) for row in rows if "---" not in row]
    assert tuple(readme) == LAYERS


def test_the_contract_catches_an_upward_import() -> None:
    """The check can fail: the engine importing a renderer is named, at its line."""
    engine_file = ROOT / "ketadecide" / "engine" / "evaluate.py"
    upward = ("ketadecide.engine.evaluate", "ketadecide.render.json", engine_file, 7)
    assert violations([*import_edges(), upward]) == [
        "ketadecide/engine/evaluate.py:7: ketadecide.engine.evaluate imports ketadecide.render.json, in a layer "
        "above engine (it may import: _version, citations, decision, errors, files, knowledge, lang, outputs, "
        "predicates, profile, readability, readability_es, safeyaml, tty)"
    ]
