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


def test_an_old_blood_pressure_is_said_to_be_old(kb: KnowledgeBase) -> None:
    from ketadecide.fhir.reader import code_index
    from ketadecide.server.app import evaluate_chart
    from ketadecide.server.chart import Order, chart_of

    p = SynthPatient("old-bp", birth_date=dt.date(1980, 5, 1))
    p.condition("icd10cm", "F33.1", "Major depressive disorder, recurrent, moderate")
    p.bp(170, 104, days_ago=500)
    chart = chart_of(p.bundle(AS_OF), kb, code_index(kb), AS_OF, source="test")
    plan = cards.plan_card(
        "order-sign",
        chart,
        evaluate_chart(chart, kb),
        [Order("esketamine", ("spravato",))],
        source_url="https://x.test/sources",
    )
    assert plan is not None and plan.indicator == "warning"
    assert "170/104 mmHg, 500 days old" in plan.summary and len(plan.summary) <= 139
    assert "**Dated:**" in plan.detail and len(plan.detail.splitlines()) <= cards.DETAIL_MAX_LINES


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


def test_fetches_end_at_the_default_300_ms_deadline() -> None:
    from ketadecide.server.fetch import Fetcher

    assert ServerConfig().fhir_deadline_ms == 300

    async def slow(request: httpx.Request) -> httpx.Response:
        if "Patient" in request.url.path:
            return httpx.Response(200, json={"resourceType": "Patient", "id": "p1"})
        await asyncio.sleep(30)
        return httpx.Response(200, json={})

    async def run() -> tuple[float, dict[str, Any]]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as client:
            started = time.perf_counter()
            fetcher = Fetcher(client, "https://ehr.test/fhir", "token", ServerConfig().fhir_deadline_ms / 1000)
            got = await fetcher.run({"patient": "Patient/p1", "conditions": "Condition?patient=p1"})
            return time.perf_counter() - started, got

    elapsed, got = asyncio.run(run())
    assert elapsed < 1.0 and got["patient"].status == "ok" and got["conditions"].status == "failed"


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


def test_simulate_from_the_command_line(runner: Any, tmp_path: Path) -> None:
    write_folder(cohort(seed=5, count=5, as_of=AS_OF), tmp_path, AS_OF)
    result = runner.invoke(cli_app, ["serve", "--simulate", str(tmp_path), "--as-of", "2026-12-05", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["charts"] == 5
    result = runner.invoke(cli_app, ["serve", "--simulate", str(tmp_path / "absent")])
    assert result.exit_code == 2 and "--simulate" in result.output


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
    """p95 under 200 ms per patient-view call, in process. The CPU time the process spends
    (the service's own cost) is always checked; the wall-clock time too unless the machine is
    oversubscribed by other work (load average above its cores), when waiting for a CPU
    would be measured instead of the service."""
    import os

    app = create_app(ServerConfig(dev=True), kb, "http://127.0.0.1:8787")
    people = cohort(seed=11, count=40, as_of=dt.date.today())
    with TestClient(app) as client:
        templates = client.get("/cds-services").json()["services"][0]["prefetch"]
        wall, cpu = [], []
        for p in people:
            body = {
                "hook": "patient-view",
                "hookInstance": "x",
                "context": {"userId": "Practitioner/1", "patientId": p.id},
                "prefetch": _prefetch(p.bundle(dt.date.today()), templates),
            }
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.post("/cds-services/ketamine-options", json=body)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            assert response.status_code == 200
    cpu_p95 = statistics.quantiles(cpu, n=20)[-1]
    assert cpu_p95 < 0.2, f"in-process CPU p95 {cpu_p95 * 1000:.0f} ms"
    wall_p95 = statistics.quantiles(wall, n=20)[-1]
    if os.getloadavg()[0] <= (os.cpu_count() or 1):
        assert wall_p95 < 0.2, f"in-process p95 {wall_p95 * 1000:.0f} ms"
