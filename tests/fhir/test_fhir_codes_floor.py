"""The clinical floor of codes.yaml: the codes of the labels' contraindications (ketamine
allergy, aneurysm, AVM, intracerebral haemorrhage) must keep mapping to their condition ids,
or ``data validate`` refuses the file (exit 2, one line naming the file and key), and so
does a FHIR import that would use it."""

from __future__ import annotations

import json

import pytest

from ketadecide.cli.main import app
from ketadecide.fhir.models import LABEL_CONTRAINDICATION_CODES
from ketadecide.knowledge.models import LABEL_CONTRAINDICATIONS
from tests.conftest import clinic_data
from tests.fhir.fhir_bundles import bundle, condition

ALLERGY = "    record: allergy\n    system: atc\n    label: Allergy or intolerance to ketamine or esketamine\n"

CASES = {
    # label contraindication: (edit, key named, the code named in the message)
    "aneurysm I71 dropped": ("codes: [I71, I72, I67.1]", "codes: [I72, I67.1]", "entries", "ICD-10-CM I71"),
    "cerebral aneurysm I67.1 dropped": ("codes: [I71, I72, I67.1]", "codes: [I71, I72]", "entries", "ICD-10-CM I67.1"),
    "AVM Q28.2 dropped": ("codes: [Q28.0, Q28.2, Q27.3]", "codes: [Q28.0, Q27.3]", "entries", "ICD-10-CM Q28.2"),
    "ICH re-pointed": (
        "    codes: [I61, I69.1]\n    conditions: [intracerebral_hemorrhage_history]\n",
        "    codes: [I61, I69.1]\n    conditions: [stroke_history]\n",
        "entries.icd_ich.conditions",
        "ICD-10-CM I61",
    ),
    "SNOMED aneurysm dropped": (
        "    codes: ['432119003']\n",
        "    codes: ['432119004']\n",
        "entries",
        "SNOMED CT 432119003",
    ),
    "ketamine allergy code dropped": (
        ALLERGY + "    codes: [N01AX03, N01AX14, N06AX27]\n",
        ALLERGY + "    codes: [N01AX14, N06AX27]\n",
        "entries",
        "ATC N01AX03",
    ),
    "ketamine allergy name dropped": (
        "    names: [ketamine, esketamine, spravato, ketalar]\n    conditions: [ketamine_hypersensitivity]\n",
        "    names: [esketamine, spravato, ketalar]\n    conditions: [ketamine_hypersensitivity]\n",
        "entries",
        "the allergy name 'ketamine'",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_data_validate_refuses_a_weakened_codes_file(runner, tmp_path, case) -> None:
    old, new, key, code = CASES[case]
    data = clinic_data(tmp_path, "codes.yaml", old, new)
    # As an overlay, a bundled code entry is refused first (issue 21) ...
    overlay = runner.invoke(app, ["data", "validate", str(data)])
    assert overlay.exit_code == 2 and f"{data / 'codes.yaml'}, field 'entries." in overlay.stderr
    # ... read on its own, the codes floor (the second check) names the code taken away.
    (data / "overlay.yaml").write_text("standalone: synthetic\n")
    result = runner.invoke(app, ["data", "validate", str(data)])
    assert result.exit_code == 2, result.stderr
    floor = [line for line in result.stderr.splitlines() if "clinical floor" in line]
    # One line per code taken away: re-pointing the ICH entry takes both of its codes.
    assert len(floor) == (2 if case == "ICH re-pointed" else 1), result.stderr
    assert f"{data / 'codes.yaml'}, field '{key}': clinical floor: {code}" in floor[0]


def test_a_more_specific_entry_cannot_take_a_code_away(runner, tmp_path) -> None:
    """An added entry for I67.1 alone (longest prefix wins) re-points it: refused."""
    extra = (
        "  clinic_cerebral_aneurysm:\n"
        "    record: condition\n"
        "    system: icd10cm\n"
        "    label: Cerebral aneurysm (clinic wording)\n"
        "    codes: [I67.10]\n"
        "    note: Clinic entry.\n"
        "    sources: [icd10cm]\n"
        "    reviewed: 2026-11-23\n"
        "  icd_aneurysm:\n"
    )
    data = clinic_data(tmp_path, "codes.yaml", "  icd_aneurysm:\n", extra, standalone=True)
    # I67.10 is more specific than I67.1: I67.1 itself still maps, so this one is accepted.
    assert runner.invoke(app, ["data", "validate", str(data)]).exit_code == 0
    path = data / "codes.yaml"
    path.write_text(
        path.read_text().replace("codes: [I67.10]", "codes: [I67.1]").replace("[I71, I72, I67.1]", "[I71, I72]")
    )
    result = runner.invoke(app, ["data", "validate", str(data)])
    assert result.exit_code == 2
    assert "field 'entries.clinic_cerebral_aneurysm.conditions': clinical floor: ICD-10-CM I67.1" in result.stderr


def test_fhir_import_refuses_a_weakened_codes_file(runner, tmp_path) -> None:
    old, new, key, _ = CASES["AVM Q28.2 dropped"]
    data = clinic_data(tmp_path, "codes.yaml", old, new, standalone=True)
    record = tmp_path / "b.json"
    record.write_text(json.dumps(bundle(condition("Q28.2"))))
    result = runner.invoke(app, ["fhir", "to-profile", str(record), "--data-dir", str(data), "--as-of", "2026-11-23"])
    assert result.exit_code == 2
    assert f"field '{key}': clinical floor: ICD-10-CM Q28.2" in result.stderr
    assert result.stdout == ""


def test_the_floor_covers_every_label_contraindication() -> None:
    required = {ident for _, ident, *_ in LABEL_CONTRAINDICATION_CODES}
    assert required == {ident for _, ident, _ in LABEL_CONTRAINDICATIONS}
