"""In-process checks of the service's parts: summary lengths, card uuids, the JWT verifier
against the spec's own example (at its own time), the config file, --dev's host rule, the
alert-burden simulation over a synthetic population, and in-process latency."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import statistics
import time
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the TestClient works on httpx; it only prefers httpx2 now
    from starlette.testclient import TestClient

from ketadecide.cli.main import app as cli_app
from ketadecide.errors import InputError
from ketadecide.knowledge import KnowledgeBase
from ketadecide.server import cards
from ketadecide.server.app import create_app
from ketadecide.server.auth import JwksCache, Unauthorized, Verifier
from ketadecide.server.config import ServerConfig, load_config
from ketadecide.server.simulate import simulate
from ketadecide.server.store import MemoryStore
from tests.fhir.synth import SynthPatient, cohort, write_folder
from tests.server.conftest import SPEC_EXAMPLE_JWKS, SPEC_EXAMPLE_JWT, SPEC_ISSUER

AS_OF = dt.date(2026, 12, 5)


# ----------------------------------------------------------------------------- words


def test_a_139_character_summary_is_kept_and_a_140_character_one_cut() -> None:
    exact = ("word " * 28)[:139].rstrip() + "x" * (139 - len(("word " * 28)[:139].rstrip()))
    assert len(exact) == 139 and cards.fit(exact) == exact
    longer = exact + "y"
    cut = cards.fit(longer)
    assert len(cut) <= 139 and cut.endswith("…") and not cut.endswith(" …")


def test_a_long_finding_name_still_gives_a_summary_under_140(kb: KnowledgeBase) -> None:
    from ketadecide.engine.result import Finding, Worded
    from ketadecide.server.chart import Order

    name = Worded("An extraordinarily long finding name " * 8, "plain")
    finding = Finding("x", "relative", name, name, (), "condition")
    order = Order("esketamine", ("spravato",))
    summary = cards._flag_summary([(order, finding), (order, dataclasses.replace(finding, id="y"))], {})
    assert len(summary) <= 139 and summary.endswith("(+1 more safety flag)")


def test_card_uuid_carries_its_topic() -> None:
    for topic in cards.TOPICS:
        raw = bytearray(16)
        raw[15] = cards.TOPICS[topic][0]
        import uuid

        assert cards.topic_of_uuid(str(uuid.UUID(bytes=bytes(raw)))) == topic
    assert cards.topic_of_uuid("not-a-uuid") is None


# ----------------------------------------------------------------------------- JWT


def _verifier(clock: Any) -> Verifier:
    config = ServerConfig(
        issuers=(
            {
                "iss": SPEC_ISSUER,
                "jwks_url": "https://fhir-ehr.example.com/jwks",
                "audiences": ["https://cds.example.org/cds-services/some-service"],
            },
        ),
    )
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=SPEC_EXAMPLE_JWKS))
    client = httpx.AsyncClient(transport=transport)
    return Verifier(config, JwksCache(config, client), MemoryStore(), clock)


def test_the_specs_example_jwt_is_refused_only_because_it_expired() -> None:
    url = "https://cds.example.org/cds-services/some-service"
    # At its own issue time the token is valid: signature, kid, iss, aud all check out.
    claims = asyncio.run(_verifier(lambda: 1311280980.0).verify(f"Bearer {SPEC_EXAMPLE_JWT}", url))
    assert claims["jti"] == "ee22b021-e1b7-4611-ba5b-8eec6a33ac1e"
    with pytest.raises(Unauthorized):
        asyncio.run(_verifier(time.time).verify(f"Bearer {SPEC_EXAMPLE_JWT}", url))


def test_the_memory_store_expires_and_refuses_a_live_key() -> None:
    now = [0.0]
    store = MemoryStore(clock=lambda: now[0])
    assert store.add("k", "v", 10) and not store.add("k", "v", 10)
    now[0] = 11
    assert store.get("k") is None and store.add("k", "v", 10)


# ----------------------------------------------------------------------------- config and CLI


def test_config_names_an_unknown_key(tmp_path: Path) -> None:
    path = tmp_path / "cds.yaml"
    path.write_text("issuers:\n  - iss: https://ehr.test\n    jwks: https://ehr.test/jwks\n")
    with pytest.raises(InputError) as caught:
        load_config(path)
    assert "issuers.0" in str(caught.value.problems[0].field)
    path.write_text("dev: true\n")
    with pytest.raises(InputError):
        load_config(path)


def test_dev_refuses_a_non_loopback_host_and_http_keys_need_dev(runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(cli_app, ["serve"])  # no issuers and not --dev: nothing it could serve
    assert result.exit_code == 2 and "--config" in result.output
    result = runner.invoke(cli_app, ["serve", "--dev", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "loopback" in result.output
    path = tmp_path / "cds.yaml"
    path.write_text("issuers:\n  - {iss: 'https://ehr.test', jwks_url: 'http://ehr.test/jwks'}\n")
    result = runner.invoke(cli_app, ["serve", "--config", str(path)])
    assert result.exit_code == 2 and "not https" in result.output


# ----------------------------------------------------------------------------- alert burden


def test_simulation_reports_cards_per_1000_and_never_critical(kb: KnowledgeBase, tmp_path: Path) -> None:
    people = cohort(seed=27, count=60, as_of=AS_OF)
    trd = SynthPatient("trd", birth_date=dt.date(1980, 5, 1))
    trd.condition("icd10cm", "F33.1", "Major depressive disorder, recurrent, moderate")
    trd.medication("atc", "N06AB06", "sertraline", status="completed")
    trd.medication("atc", "N06AX16", "venlafaxine", status="stopped")
    trd.bp(165, 99, days_ago=3)
    dead = SynthPatient("dead", birth_date=dt.date(1980, 5, 1))
    dead.condition("icd10cm", "F33.1", "Major depressive disorder").medication("atc", "N06AB06", "sertraline")
    dead.medication("atc", "N06AX16", "venlafaxine").bp(190, 110, days_ago=3).deceased(5)
    write_folder([*people, trd, dead], tmp_path, AS_OF)
    (tmp_path / "broken.json").write_text("{}")
    report = simulate(tmp_path, kb, AS_OF)
    assert report.charts == 62 and report.unreadable == ["broken.json"]
    assert report.calls["patient-view"] == 62 and report.calls["order-sign"] == 124
    data = report.to_dict()
    assert all(data["per_1000"][h]["critical"] == 0 for h in data["per_1000"])
    # The TRD chart opens with a card; a chart with no reason does not.
    assert report.per_1000("patient-view") >= 1000 / 62
    assert report.per_1000("patient-view") < 1000  # most charts get no card
    # order-sign fires only on safety flags (the TRD patient's BP 165/99 is one).
    assert ("order-sign", "warning", "safety-flag") in report.cards
    assert not any(h == "order-sign" and i == "info" for h, i, _ in report.cards)
    json.dumps(data)


# ----------------------------------------------------------------------------- latency


def _prefetch(bundle: dict[str, Any], templates: dict[str, str]) -> dict[str, Any]:
    """Every template answered from the bundle (types only: enough for the timing)."""
    found: dict[str, Any] = {}
    res = [e["resource"] for e in bundle["entry"]]
    for key, query in templates.items():
        rtype = query.split("/")[0].split("?")[0]
        hits = [r for r in res if r["resourceType"] == rtype]
        if rtype == "Patient":
            found[key] = hits[0]
        else:
            found[key] = (
                {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in hits]}
                if hits
                else None
            )
    return found


def test_in_process_p95_under_200_ms(kb: KnowledgeBase) -> None:
    app = create_app(ServerConfig(dev=True), kb, "http://127.0.0.1:8787")
    people = cohort(seed=11, count=40, as_of=dt.date.today())
    with TestClient(app) as client:
        templates = client.get("/cds-services").json()["services"][0]["prefetch"]
        times = []
        for p in people:
            body = {
                "hook": "patient-view",
                "hookInstance": "x",
                "context": {"userId": "Practitioner/1", "patientId": p.id},
                "prefetch": _prefetch(p.bundle(dt.date.today()), templates),
            }
            started = time.perf_counter()
            response = client.post("/cds-services/ketamine-options", json=body)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
    p95 = statistics.quantiles(times, n=20)[-1]
    assert p95 < 0.2, f"in-process p95 {p95 * 1000:.0f} ms"
