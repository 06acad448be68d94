"""A CDS Hooks 2.0.1 client, written from the published specification, against a real
``ketadecide serve`` over loopback. This module imports nothing from ketadecide.

Spec sections: §Discovery, §Calling a CDS Service, §Prefetch Template (missing key = not
attempted, null = no data, OperationOutcome = the client's fetch failed; 412 when the
service cannot get what it needs), §CDS Service Response / §Card Attributes, §Feedback,
§Trusting CDS Clients (JWT), §Cross-Origin Resource Sharing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from tests.fhir.synth import SynthPatient
from tests.server.conftest import (
    DEADLINE_MS,
    ISSUER,
    SPEC_EXAMPLE_JWT,
    FhirStub,
    Keys,
    Service,
    _codes,
    _refers_to,
)

AS_OF = dt.date.today()
PATIENT_VIEW = "ketamine-options"
ORDER_SELECT = "ketamine-order-select"
ORDER_SIGN = "ketamine-order-sign"


def wall_limit(seconds: float) -> float:
    """A wall-clock bound: as given on a machine with CPUs to spare (CI), four times it when
    other work oversubscribes the machine (then the wait for a CPU is what would be timed)."""
    return seconds if os.getloadavg()[0] <= (os.cpu_count() or 1) else 4 * seconds


# ----------------------------------------------------------------------------- the client


def discovery(service: Service) -> dict[str, Any]:
    response = httpx.get(service.url("/cds-services"))
    assert response.status_code == 200
    return response.json()


def templates(service: Service, service_id: str) -> dict[str, str]:
    found = [s for s in discovery(service)["services"] if s["id"] == service_id]
    return found[0].get("prefetch", {})


def answer(query: str, records: list[dict[str, Any]]) -> Any:
    """What a FHIR server holding ``records`` returns for a relative prefetch query (None: no data)."""
    parts = urlsplit(query)
    segments = parts.path.strip("/").split("/")
    if len(segments) == 2:
        found = [r for r in records if r["resourceType"] == segments[0] and r.get("id") == segments[1]]
        return found[0] if found else None
    params = parse_qs(parts.query)
    pid = params["patient"][0]
    hits = [r for r in records if r["resourceType"] == segments[0] and _refers_to(r, pid)]
    wanted = {c for v in params.get("code", []) for c in v.split(",")}
    if wanted:
        hits = [r for r in hits if _codes(r) & wanted]
    if not hits:
        return None  # the spec: null, not an empty Bundle
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in hits]}


def prefetch_for(service: Service, service_id: str, records: list[dict[str, Any]], pid: str) -> dict[str, Any]:
    """Every template of the service satisfied from ``records`` (a client with all the data)."""
    return {
        key: answer(query.replace("{{context.patientId}}", pid), records)
        for key, query in templates(service, service_id).items()
    }


def resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle.get("entry", [])]


def call(
    service: Service,
    service_id: str,
    body: dict[str, Any],
    token: str | None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return httpx.post(service.url(f"/cds-services/{service_id}"), json=body, headers=sent, timeout=10)


def request(hook: str, pid: str, prefetch: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/example", "patientId": pid}
    context.update(extra.pop("context", {}))
    body: dict[str, Any] = {"hookInstance": str(uuid.uuid4()), "hook": hook, "context": context}
    if prefetch is not None:
        body["prefetch"] = prefetch
    body.update(extra)
    return body


def draft(text: str, pid: str, rid: str = "draft-1", route: str | None = None) -> dict[str, Any]:
    order: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": "draft",
        "intent": "order",
        "subject": {"reference": f"Patient/{pid}"},
        "medicationCodeableConcept": {"text": text},
    }
    if route:
        order["dosageInstruction"] = [{"route": {"text": route}}]
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]}


def no_nulls_or_empties(value: Any, where: str = "$") -> None:
    """§Use of JSON: elements are never null or empty (an empty cards array is the exception)."""
    assert value is not None, f"{where} is null"
    if isinstance(value, dict):
        assert value, f"{where} is empty"
        for k, v in value.items():
            no_nulls_or_empties(v, f"{where}.{k}")
    elif isinstance(value, list):
        assert value, f"{where} is empty"
        for i, v in enumerate(value):
            no_nulls_or_empties(v, f"{where}[{i}]")
    elif isinstance(value, str):
        assert value, f"{where} is an empty string"


def check_card(card: dict[str, Any], patient_words: list[str]) -> None:
    """§Card Attributes, and ours: one finding in < 140 characters, Markdown without HTML."""
    no_nulls_or_empties(card)
    assert set(card) <= {"uuid", "summary", "detail", "indicator", "source", "overrideReasons", "links"}
    assert len(card["summary"]) < 140
    assert card["indicator"] in ("info", "warning")
    assert uuid.UUID(card["uuid"])
    assert card["source"]["label"] and card["source"]["url"].startswith("http")
    assert set(card["source"]["topic"]) == {"system", "code", "display"}
    assert not re.search(r"</?[a-zA-Z][^>]*>", card["detail"]), "HTML in the detail"
    assert len(card["detail"].splitlines()) <= 12
    for reason in card.get("overrideReasons", []):
        assert reason["display"] and reason["code"] and reason["system"]
    assert len(card.get("links", [])) <= 2
    for link in card.get("links", []):
        assert link["type"] == "absolute" and link["label"]
        for word in patient_words:
            assert word not in link["url"], "patient data in a link URL"


# ----------------------------------------------------------------------------- records


def trd_patient(pid: str, *, bp: tuple[int, int] | None = None, deceased: bool = False) -> list[dict[str, Any]]:
    """Major depression and two antidepressants that were stopped: a decision-relevant chart."""
    p = SynthPatient(pid, birth_date=dt.date(1980, 5, 1))
    p.condition("icd10cm", "F33.1", "Major depressive disorder, recurrent, moderate")
    p.medication("atc", "N06AB06", "sertraline", status="completed", days_ago=400)
    p.medication("atc", "N06AX16", "venlafaxine", status="stopped", days_ago=200, kind="MedicationStatement")
    if bp:
        p.bp(bp[0], bp[1], days_ago=5)
    if deceased:
        p.deceased(10)
    return resources(p.bundle(AS_OF))


def plain_patient(pid: str) -> list[dict[str, Any]]:
    p = SynthPatient(pid, birth_date=dt.date(1975, 2, 3))
    p.condition("icd10cm", "J45.909", "Asthma")
    p.bp(120, 80, days_ago=5)
    return resources(p.bundle(AS_OF))


@pytest.fixture
def token(service: Service, keys: Keys) -> Any:
    def make(service_id: str = PATIENT_VIEW, suffix: str = "", **kw: Any) -> str:
        return keys.token(service.url(f"/cds-services/{service_id}{suffix}"), **kw)

    return make


# ----------------------------------------------------------------------------- discovery


def test_discovery_lists_one_service_per_hook_with_prefetch_templates(service: Service) -> None:
    services = discovery(service)["services"]
    assert {(s["id"], s["hook"]) for s in services} == {
        (PATIENT_VIEW, "patient-view"),
        (ORDER_SELECT, "order-select"),
        (ORDER_SIGN, "order-sign"),
    }
    for s in services:
        no_nulls_or_empties(s)
        assert s["description"] and s["title"]
        for query in s["prefetch"].values():
            assert re.fullmatch(
                r"[A-Za-z]+(/\{\{context\.patientId\}\}|\?patient=\{\{context\.patientId\}\}\S*)", query
            )
    observations = " ".join(v for v in services[0]["prefetch"].values() if v.startswith("Observation"))
    for loinc in ("85354-9", "44261-6", "82810-3"):  # BP, PHQ-9, pregnancy
        assert loinc in observations
    assert "_sort=-date&_count=" in observations


# ----------------------------------------------------------------------------- cards


def test_patient_view_first_call_after_start_and_a_conforming_card(service: Service, token: Any) -> None:
    records = trd_patient("trd-1")
    body = request("patient-view", "trd-1", prefetch_for(service, PATIENT_VIEW, records, "trd-1"))
    started = time.perf_counter()
    response = call(service, PATIENT_VIEW, body, token())
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert len(cards) == 1 and "systemActions" not in response.json()
    check_card(cards[0], ["trd-1", body["hookInstance"], "1980"])
    assert cards[0]["indicator"] == "info"
    assert "suicidality" in cards[0]["detail"] and "ask now" in cards[0]["detail"]
    if service.first_call_s < 0:
        service.first_call_s = elapsed
    assert elapsed < wall_limit(0.5), f"{elapsed:.3f} s: the spec asks for about 500 ms"
    # The same chart gives the same card uuid (derived from the evaluation, nothing stored).
    again = call(service, PATIENT_VIEW, request("patient-view", "trd-1", body["prefetch"]), token()).json()
    assert again["cards"][0]["uuid"] == cards[0]["uuid"]
    # The links are served by the same service, short-lived, and leak nothing onward.
    page = httpx.get(cards[0]["links"][0]["url"])
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert httpx.get(service.url("/links/not-a-real-id")).status_code == 404


def test_no_card_without_a_decision_relevant_reason(service: Service, token: Any) -> None:
    records = plain_patient("plain-1")
    body = request("patient-view", "plain-1", prefetch_for(service, PATIENT_VIEW, records, "plain-1"))
    response = call(service, PATIENT_VIEW, body, token())
    assert response.status_code == 200 and response.json() == {"cards": []}


def test_a_deceased_patient_gets_no_card(service: Service, token: Any) -> None:
    records = trd_patient("dead-1", bp=(170, 100), deceased=True)
    for service_id, hook in ((PATIENT_VIEW, "patient-view"), (ORDER_SIGN, "order-sign")):
        body = request(
            hook,
            "dead-1",
            prefetch_for(service, service_id, records, "dead-1"),
            context={"draftOrders": draft("esketamine nasal spray", "dead-1")},
        )
        assert call(service, service_id, body, token(service_id)).json() == {"cards": []}


def test_order_sign_warns_only_for_a_safety_flag(service: Service, token: Any) -> None:
    flagged = trd_patient("bp-1", bp=(162, 98))
    body = request(
        "order-sign",
        "bp-1",
        prefetch_for(service, ORDER_SIGN, flagged, "bp-1"),
        context={"draftOrders": draft("Spravato 56 mg nasal spray", "bp-1")},
    )
    response = call(service, ORDER_SIGN, body, token(ORDER_SIGN))
    cards = response.json()["cards"]
    assert len(cards) == 1
    card = cards[0]
    check_card(card, ["bp-1", "1980"])
    assert card["indicator"] == "warning" and card["overrideReasons"]
    assert "162/98" in card["summary"] and card["summary"].startswith("Esketamine")
    calm = trd_patient("bp-2", bp=(118, 76))
    body = request(
        "order-sign",
        "bp-2",
        prefetch_for(service, ORDER_SIGN, calm, "bp-2"),
        context={"draftOrders": draft("Spravato 56 mg nasal spray", "bp-2")},
    )
    assert call(service, ORDER_SIGN, body, token(ORDER_SIGN)).json() == {"cards": []}
    # No ketamine in the draft orders: nothing to say at signing.
    body["context"]["draftOrders"] = draft("amoxicillin", "bp-1")
    body["prefetch"] = prefetch_for(service, ORDER_SIGN, flagged, "bp-1")
    body["context"]["patientId"] = "bp-1"
    assert call(service, ORDER_SIGN, body, token(ORDER_SIGN)).json() == {"cards": []}


def test_order_select_reads_only_the_selected_orders(service: Service, token: Any) -> None:
    records = trd_patient("sel-1", bp=(118, 76))
    context = {"draftOrders": draft("ketamine 50 mg/mL injection", "sel-1", route="Intravenous")}
    body = request("order-select", "sel-1", prefetch_for(service, ORDER_SELECT, records, "sel-1"), context=context)
    body["context"]["selections"] = ["MedicationRequest/draft-1"]
    cards = call(service, ORDER_SELECT, body, token(ORDER_SELECT)).json()["cards"]
    assert len(cards) == 1 and cards[0]["indicator"] == "info"
    assert cards[0]["summary"].startswith("Ketamine (IV): no safety flag")
    body["context"]["selections"] = ["MedicationRequest/something-else"]
    assert call(service, ORDER_SELECT, body, token(ORDER_SELECT)).json() == {"cards": []}


# ----------------------------------------------------------------------------- errors


def _is_outcome(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.json()["resourceType"] == "OperationOutcome"


def test_errors_are_operation_outcomes_and_unknown_fields_are_ignored(service: Service, token: Any) -> None:
    records = trd_patient("err-1")
    body = request("patient-view", "err-1", prefetch_for(service, PATIENT_VIEW, records, "err-1"))
    _is_outcome(call(service, PATIENT_VIEW, {**body, "hook": "order-sign"}, token()), 400)
    _is_outcome(call(service, "no-such-service", body, token("no-such-service")), 404)
    raw = httpx.post(
        service.url(f"/cds-services/{PATIENT_VIEW}"),
        content=b"{not json",
        headers={"Authorization": f"Bearer {token()}", "Content-Type": "application/json"},
    )
    _is_outcome(raw, 400)
    for hostile in (b"[" * 100_000 + b"]" * 100_000, b'{"hook": "a", "hook": "b"}', b'{"x": NaN}'):
        sent = httpx.post(
            service.url(f"/cds-services/{PATIENT_VIEW}"),
            content=hostile,
            headers={"Authorization": f"Bearer {token()}", "Content-Type": "application/json"},
        )
        _is_outcome(sent, 400)
    extra = {**body, "somethingNew": {"x": 1}, "context": {**body["context"], "futureField": True}}
    assert call(service, PATIENT_VIEW, extra, token()).status_code == 200


def test_412_when_the_patient_cannot_be_obtained(service: Service, token: Any) -> None:
    records = trd_patient("p412")
    full = prefetch_for(service, PATIENT_VIEW, records, "p412")
    without = {k: v for k, v in full.items() if k != "patient"}
    _is_outcome(call(service, PATIENT_VIEW, request("patient-view", "p412", without), token()), 412)
    failed = {
        **full,
        "patient": {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]},
    }
    _is_outcome(call(service, PATIENT_VIEW, request("patient-view", "p412", failed), token()), 412)
    _is_outcome(call(service, PATIENT_VIEW, request("patient-view", "p412", {**full, "patient": None}), token()), 412)


# ----------------------------------------------------------------------------- fetching from fhirServer


def _fhir_call(
    service: Service, fhir: FhirStub, pid: str, prefetch: dict[str, Any], server: str | None = None
) -> dict[str, Any]:
    return request(
        "patient-view",
        pid,
        prefetch,
        fhirServer=server or fhir.base,
        fhirAuthorization={
            "access_token": f"opaque-token-{pid}",
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "user/Patient.read user/Condition.read user/Observation.read",
            "subject": "ketadecide",
        },
    )


def test_missing_keys_are_fetched_from_the_configured_fhir_server(service: Service, fhir: FhirStub, token: Any) -> None:
    fhir.records["fetch-1"] = trd_patient("fetch-1", bp=(162, 98))
    before = fhir.hits("patient=fetch-1")
    response = call(service, PATIENT_VIEW, _fhir_call(service, fhir, "fetch-1", {}), token())
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert len(cards) == 1  # depression and two antidepressants came from the fetches
    assert fhir.hits("/fhir/Patient/fetch-1") >= 1 and fhir.hits("patient=fetch-1") > before
    assert all(auth for path, auth in fhir.requests if "fetch-1" in path)
    # null means "no data": a key the client answered null is not fetched again.
    prefetch = prefetch_for(service, PATIENT_VIEW, fhir.records["fetch-1"], "fetch-1")
    prefetch["pregnancy"] = None
    before_pregnancy = fhir.hits("82810-3")
    call(service, PATIENT_VIEW, _fhir_call(service, fhir, "fetch-1", prefetch), token())
    assert fhir.hits("82810-3") == before_pregnancy


def test_a_fhir_server_the_caller_names_is_never_contacted(service: Service, fhir: FhirStub, token: Any) -> None:
    fhir.records["ssrf-1"] = trd_patient("ssrf-1")
    other = f"https://127.0.0.1:{fhir.port}/fhir"  # same stub, another origin: not configured
    response = call(service, PATIENT_VIEW, _fhir_call(service, fhir, "ssrf-1", {}, server=other), token())
    _is_outcome(response, 412)
    assert fhir.hits("ssrf-1") == 0


@pytest.mark.parametrize("mode", ["slow", "fail", "outcome", "redirect", "offsite"])
def test_a_failing_fhir_server_leaves_fields_not_read(service: Service, fhir: FhirStub, token: Any, mode: str) -> None:
    pid = f"mode-{mode}"
    p = SynthPatient(pid, birth_date=dt.date(1980, 5, 1))
    p.condition("icd10cm", "F33.1", "Major depressive disorder, recurrent, moderate")
    p.medication("atc", "N06AB06", "sertraline", status="completed")
    p.medication("atc", "N06AX16", "venlafaxine", status="stopped")
    p.bp(150, 95, days_ago=3).bp(130, 85, days_ago=40)  # two readings: a next page when paged
    fhir.records[pid] = resources(p.bundle(AS_OF))
    fhir.modes[pid] = mode
    # The client gives everything but the Observations; those the service must fetch.
    wanted = templates(service, PATIENT_VIEW)
    prefetch = {
        k: v
        for k, v in prefetch_for(service, PATIENT_VIEW, fhir.records[pid], pid).items()
        if not wanted[k].startswith("Observation")
    }
    started = time.perf_counter()
    response = call(service, PATIENT_VIEW, _fhir_call(service, fhir, pid, prefetch), token())
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    limit = wall_limit(DEADLINE_MS / 1000 + 1.0)
    assert elapsed < limit, f"{elapsed:.2f} s: one deadline for all fetches (the stub waits 30 s)"
    detail = response.json()["cards"][0]["detail"]
    assert "Could not be read from the EHR" in detail and "blood pressure" in detail
    assert fhir.hits("/elsewhere") == 0 and fhir.hits("/offsite") == 0, "a redirect or an offsite page was followed"


def test_pages_on_the_same_origin_are_read(service: Service, fhir: FhirStub, token: Any) -> None:
    p = SynthPatient("paged-1", birth_date=dt.date(1980, 5, 1))
    p.condition("icd10cm", "J45.909", "Asthma")
    p.condition("icd10cm", "E11.9", "Type 2 diabetes")
    p.condition("icd10cm", "F33.1", "Major depressive disorder, recurrent, moderate")  # on page 3
    p.medication("atc", "N06AB06", "sertraline", status="completed")
    p.medication("atc", "N06AX16", "venlafaxine", status="stopped")
    fhir.records["paged-1"] = resources(p.bundle(AS_OF))
    fhir.modes["paged-1"] = "paged"
    response = call(service, PATIENT_VIEW, _fhir_call(service, fhir, "paged-1", {}), token())
    assert response.status_code == 200
    assert len(response.json()["cards"]) == 1, "the depression on the last page was not read"
    assert fhir.hits("_page=2") >= 1


# ----------------------------------------------------------------------------- security


def _status(service: Service, token: str | None, service_id: str = PATIENT_VIEW) -> int:
    records = trd_patient("sec-1")
    body = request("patient-view", "sec-1", prefetch_for(service, PATIENT_VIEW, records, "sec-1"))
    response = call(service, service_id, body, token)
    if response.status_code == 401:
        assert response.content == b"", "a 401 says nothing"
        assert response.headers["www-authenticate"].startswith("Bearer")
    return response.status_code


def test_a_valid_jwt_is_accepted_es384_and_rs384(service: Service, token: Any) -> None:
    assert _status(service, token()) == 200
    assert _status(service, token(alg="RS384", kid="k-rs384")) == 200


def test_the_specs_example_jwt_is_refused(service: Service) -> None:
    assert _status(service, SPEC_EXAMPLE_JWT) == 401


def test_no_token_or_a_malformed_one_is_refused(service: Service) -> None:
    assert _status(service, None) == 401
    assert _status(service, "not.a.jwt") == 401
    response = httpx.post(
        service.url(f"/cds-services/{PATIENT_VIEW}"), json={}, headers={"Authorization": "Basic eA=="}
    )
    assert response.status_code == 401 and response.content == b""


def test_unsigned_and_symmetric_tokens_are_refused(service: Service, keys: Keys) -> None:
    aud = service.url(f"/cds-services/{PATIENT_VIEW}")
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": aud, "exp": now + 300, "iat": now, "jti": str(uuid.uuid4())}
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "k-es384"})
    assert _status(service, unsigned) == 401
    # HS256 keyed with the issuer's public JWK text: the classic algorithm-confusion attack.
    public = jwt.algorithms.ECAlgorithm.to_jwk(keys.es384.public_key()).encode()
    hs = jwt.encode(claims, public + b"-padding-to-32-bytes-at-least", algorithm="HS256", headers={"kid": "k-es384"})
    assert _status(service, hs) == 401


def test_claims_are_checked(service: Service, keys: Keys) -> None:
    aud = service.url(f"/cds-services/{PATIENT_VIEW}")
    now = int(time.time())
    assert _status(service, keys.token(aud, kid=None)) == 401  # no kid
    assert _status(service, keys.token(aud, iss="https://not-configured.test")) == 401
    assert _status(service, keys.token(aud + "-other")) == 401  # aud of another endpoint
    assert _status(service, keys.token(service.url("/cds-services"))) == 401
    assert _status(service, keys.token([aud, "https://other.test"])) == 200  # aud as an array
    assert _status(service, keys.token(aud, exp=now - 120)) == 401  # expired beyond the leeway
    assert _status(service, keys.token(aud, exp=now - 20)) == 200  # within the 60 s leeway
    assert _status(service, keys.token(aud, iat=now + 600)) == 401  # issued in the future
    assert _status(service, keys.token(aud, nbf=now + 600)) == 401  # not yet valid
    assert _status(service, keys.token(aud, jti=None)) == 401  # no jti
    assert _status(service, keys.token(aud, exp=None)) == 401  # no exp
    assert _status(service, keys.token(aud, kid="k-es384", key=keys.attacker)) == 401  # wrong key


def test_a_replayed_jti_is_refused(service: Service, keys: Keys) -> None:
    aud = service.url(f"/cds-services/{PATIENT_VIEW}")
    once = keys.token(aud)
    assert _status(service, once) == 200
    assert _status(service, once) == 401


def test_keys_come_only_from_the_configured_jwks(service: Service, fhir: FhirStub, keys: Keys) -> None:
    aud = service.url(f"/cds-services/{PATIENT_VIEW}")
    # A token naming its own key set (jku) and a kid there, signed by the attacker's key.
    jku = {"jku": f"https://localhost:{fhir.port}/attacker-jwks.json"}
    forged = keys.token(aud, kid="attacker-kid", key=keys.attacker, headers=jku)
    before = fhir.hits("/attacker-jwks.json")
    hits = fhir.jwks_hits
    for _ in range(3):
        assert _status(service, forged) == 401
    assert fhir.hits("/attacker-jwks.json") == before, "a jku from the token was followed"
    assert fhir.jwks_hits - hits <= 1, "an unknown kid refetched the key set more than once"


# ----------------------------------------------------------------------------- feedback


def test_feedback_is_idempotent_and_counted_per_topic(service: Service, token: Any) -> None:
    records = trd_patient("fb-1", bp=(170, 100))
    body = request(
        "order-sign",
        "fb-1",
        prefetch_for(service, ORDER_SIGN, records, "fb-1"),
        context={"draftOrders": draft("esketamine", "fb-1")},
    )
    card = call(service, ORDER_SIGN, body, token(ORDER_SIGN)).json()["cards"][0]
    reason = card["overrideReasons"][0]
    feedback = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "overrideReason": {"reason": reason, "userComment": "A comment entered by the clinician."},
                "outcomeTimestamp": "2026-12-05T10:05:31Z",
            }
        ]
    }
    url = service.url(f"/cds-services/{ORDER_SIGN}/feedback")
    for _ in range(2):
        sent = httpx.post(url, json=feedback, headers={"Authorization": f"Bearer {token(ORDER_SIGN, '/feedback')}"})
        assert sent.status_code == 200
    counts = httpx.get(url, headers={"Authorization": f"Bearer {token(ORDER_SIGN, '/feedback')}"}).json()["counts"]
    assert counts["safety-flag:overridden"] == 1
    assert counts[f"safety-flag:reason:{reason['code']}"] == 1
    assert "A comment" not in str(counts)
    assert httpx.post(url, json=feedback).status_code == 401
    bad = {"feedback": [{"card": card["uuid"], "outcome": "maybe", "outcomeTimestamp": "2026-12-05T10:05:31Z"}]}
    _is_outcome(httpx.post(url, json=bad, headers={"Authorization": f"Bearer {token(ORDER_SIGN, '/feedback')}"}), 400)


# ----------------------------------------------------------------------------- CORS


def test_cors_preflight_only_for_allowed_origins(service: Service) -> None:
    url = service.url(f"/cds-services/{PATIENT_VIEW}")
    ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}
    allowed = httpx.options(url, headers={"Origin": "https://ehr.test", **ask})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://ehr.test"
    refused = httpx.options(url, headers={"Origin": "https://evil.test", **ask})
    assert refused.headers.get("access-control-allow-origin") is None
    _is_outcome(refused, 400)


# ----------------------------------------------------------------------------- --dev


def test_dev_profile_is_open_to_the_sandbox(dev_service: Service) -> None:
    records = trd_patient("dev-1")
    body = request("patient-view", "dev-1", prefetch_for(dev_service, PATIENT_VIEW, records, "dev-1"))
    assert call(dev_service, PATIENT_VIEW, body, None).status_code == 200
    url = dev_service.url(f"/cds-services/{PATIENT_VIEW}")
    ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}
    private = {"Access-Control-Request-Private-Network": "true"}  # a public page calling loopback
    preflight = httpx.options(url, headers={"Origin": "https://sandbox.cds-hooks.org", **ask, **private})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "https://sandbox.cds-hooks.org")
    assert preflight.headers["access-control-allow-private-network"] == "true"


def test_a_ketamine_course_with_a_safety_flag_warns_on_opening_the_chart(service: Service, token: Any) -> None:
    p = SynthPatient("course-1", birth_date=dt.date(1980, 5, 1))
    p.condition("icd10cm", "F33.1", "Major depressive disorder, recurrent, moderate")
    p.medication("atc", "N06AX27", "esketamine", status="active", days_ago=10)
    p.bp(168, 102, days_ago=2)
    records = resources(p.bundle(AS_OF))
    body = request("patient-view", "course-1", prefetch_for(service, PATIENT_VIEW, records, "course-1"))
    cards = call(service, PATIENT_VIEW, body, token()).json()["cards"]
    assert len(cards) == 1 and cards[0]["indicator"] == "warning"
    assert cards[0]["summary"].startswith("Esketamine:") and "168/102" in cards[0]["summary"]
    check_card(cards[0], ["course-1", "1980"])


def test_the_log_holds_no_token(service: Service, fhir: FhirStub, token: Any) -> None:
    fhir.records["log-1"] = trd_patient("log-1")
    jwt_sent = token()
    body = _fhir_call(service, fhir, "log-1", {})
    assert call(service, PATIENT_VIEW, body, jwt_sent).status_code == 200
    assert call(service, PATIENT_VIEW, body, "bad.token.here").status_code == 401
    log = service.log.read_text()
    for secret in (jwt_sent, jwt_sent.split(".")[1], "opaque-token-log-1", "bad.token.here", "log-1"):
        assert secret not in log


# ----------------------------------------------------------------------------- the spec's own examples


#: §Calling a CDS Service, "Example" (a copy written from the published text).
SPEC_EXAMPLE_CALL = {
    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    "fhirServer": "http://hooks.smarthealthit.org:9080",
    "hook": "patient-view",
    "fhirAuthorization": {
        "access_token": "some-opaque-fhir-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "user/Patient.read user/Observation.read",
        "subject": "cds-service4",
    },
    "context": {"userId": "Practitioner/example", "patientId": "1288992", "encounterId": "89284"},
    "prefetch": {
        "patientToGreet": {
            "resourceType": "Patient",
            "gender": "male",
            "birthDate": "1925-12-23",
            "id": "1288992",
            "active": True,
        }
    },
}


def test_the_specs_example_call_is_a_412_and_calls_no_one(service: Service, fhir: FhirStub, token: Any) -> None:
    """Its Patient comes under a key this service did not ask for (ignored), and its fhirServer
    is not the issuer's configured FHIR base (never contacted, and it is http): the service
    cannot obtain the Patient, so 412 as §Providing FHIR Resources says."""
    before = len(fhir.requests)
    _is_outcome(call(service, PATIENT_VIEW, SPEC_EXAMPLE_CALL, token()), 412)
    assert len(fhir.requests) == before
    # With the Patient under our own key, the same call is answered (no card: no reason to show one).
    ours = {**SPEC_EXAMPLE_CALL, "prefetch": {"patient": SPEC_EXAMPLE_CALL["prefetch"]["patientToGreet"]}}
    response = call(service, PATIENT_VIEW, ours, token())
    assert response.status_code == 200 and response.json() == {"cards": []}


def test_the_specs_example_feedback_is_accepted(service: Service, token: Any) -> None:
    """§Feedback examples: overridden without and with a reason (cards not ours: counted as unknown)."""
    url = service.url(f"/cds-services/{PATIENT_VIEW}/feedback")
    examples = [
        {
            "card": "f6b95768-b1c8-40dc-8385-bf3504b82ffb",
            "outcome": "overridden",
            "outcomeTimestamp": "2020-12-11T00:00:00Z",
        },
        {
            "card": "9368d37b-283f-44a0-93ea-547cebab93ed",
            "outcome": "overridden",
            "overrideReason": {
                "reason": {"code": "d7ecf885", "system": "https://example.com/cds-hooks/override-reason-system"},
                "userComment": "A comment entered by the clinician.",
            },
            "outcomeTimestamp": "2020-12-11T00:00:00Z",
        },
    ]
    for example in examples:
        sent = httpx.post(
            url, json={"feedback": [example]}, headers={"Authorization": f"Bearer {token(PATIENT_VIEW, '/feedback')}"}
        )
        assert sent.status_code == 200
    counts = httpx.get(url, headers={"Authorization": f"Bearer {token(PATIENT_VIEW, '/feedback')}"}).json()["counts"]
    assert counts["unknown:overridden"] == 2 and counts["unknown:reason:other"] == 1
