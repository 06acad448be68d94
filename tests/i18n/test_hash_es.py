"""A Spanish result's ``knowledge_base.sha256`` covers the Spanish catalog's bytes (CONTRACT §3:
the hash of the data in use), and an English result's hash is the data files' alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.lang import set_lang
from tests.i18n.test_lang_cli import CRISIS, clinic


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    set_lang("en")


def _sha(runner: CliRunner, *extra: str) -> str:
    res = runner.invoke(app, ["compare", "-p", CRISIS, "-a", "patient", "-f", "json", *extra])
    assert res.exit_code == 0, res.output
    sha: str = json.loads(res.stdout)["knowledge_base"]["sha256"]
    return sha


KETAMINE = "questions.sections.history.questions.earlier_ketamine.patient"
ASKED = "Are you having, or have you had, ketamine or esketamine (Spravato) treatment?"
CHANGED = "Have you ever had ketamine or esketamine (Spravato) treatment?"


def _write_twin(own: Path, en: str, es: str) -> None:
    catalog = own / "lang" / "es.yaml"
    data = yaml.safe_load(catalog.read_text())
    data["texts"][KETAMINE] = {"en": en, "es": es}
    catalog.write_text(yaml.safe_dump(data, allow_unicode=True))


def test_a_changed_spanish_text_changes_the_spanish_hash_only(tmp_path: Path) -> None:
    runner = CliRunner()
    own = clinic(tmp_path)
    # the clinic rewords a question it may change (no rule reads it) and gives its Spanish
    questions = own / "questions.yaml"
    questions.write_text(questions.read_text().replace(ASKED, CHANGED))
    _write_twin(own, CHANGED, "¿Ha recibido alguna vez tratamiento con ketamina o esketamina (Spravato)?")
    en_before = _sha(runner, "--data-dir", str(own))
    es_before = _sha(runner, "--data-dir", str(own), "--lang", "es")
    assert es_before != en_before  # the catalog is in the Spanish hash

    _write_twin(own, CHANGED, "¿Alguna vez le dieron ketamina o esketamina (Spravato)?")
    es_after = _sha(runner, "--data-dir", str(own), "--lang", "es")
    assert es_after not in (es_before, en_before)
    assert _sha(runner, "--data-dir", str(own)) == en_before  # English results: data files only


def test_the_bundled_catalog_is_in_the_hash_of_a_spanish_result() -> None:
    runner = CliRunner()
    en = _sha(runner)
    es = _sha(runner, "--lang", "es")
    assert es != en
    assert _sha(runner, "--lang", "es") == es  # reproducible: same bytes, same hash


def test_the_hash_names_both_catalogs(tmp_path: Path) -> None:
    from ketadecide.i18n.texts import spanish_sha256
    from ketadecide.lang.catalog import bundled_path

    copy = tmp_path / "es.yaml"
    copy.write_bytes(bundled_path().read_bytes())
    same = spanish_sha256("0" * 64, copy)
    assert spanish_sha256("0" * 64, bundled_path()) == same  # a byte-identical clinic catalog: same hash
    copy.write_text(copy.read_text() + "\n# reviewed by our clinic\n")
    assert spanish_sha256("0" * 64, copy) != same
    assert spanish_sha256("1" * 64, bundled_path()) != same
