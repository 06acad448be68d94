"""The ASGI app (Starlette): discovery, the three services, feedback, links and sources.

Per-request state is none; what is shared (jti replay cache, link ids, feedback
de-duplication) is in the :class:`~.store.Store`. Everything heavy (the knowledge base,
fhir.resources' models, the code index, PyJWT's crypto backend) is loaded and exercised
before the first request, so the first call is as fast as the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import ssl
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ketadecide.errors import InputError
from ketadecide.fhir.reader import code_index
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.files.codes import CodeIndex
from ketadecide.safeyaml import load_json
from ketadecide.server import cards as card_rules
from ketadecide.server.auth import JwksCache, Unauthorized, Verifier
from ketadecide.server.chart import (
    Chart,
    Order,
    as_bundle,
    chart_of,
    draft_ketamine_orders,
    merge,
    validate_resources,
)
from ketadecide.server.config import ServerConfig
from ketadecide.server.fetch import (
    FHIR_ID,
    KEY_FIELDS,
    BadPrefetch,
    Fetcher,
    KeyResult,
    KeyStatus,
    classify,
    render,
    same_base,
    templates,
)
from ketadecide.server.store import MemoryStore, Store

MAX_BODY_BYTES = 8 * 1024 * 1024
FEEDBACK_TTL_S = 7 * 24 * 3600


@dataclass(frozen=True)
class Service:
    id: str
    hook: card_rules.Hook
    title: str
    description: str


SERVICES: dict[str, Service] = {
    s.id: s
    for s in (
        Service(
            "ketamine-options",
            "patient-view",
            "Ketamine treatment options",
            "On opening the chart of a patient with major depression and at least two antidepressants (or "
            "ketamine/esketamine) in the record: one card comparing esketamine nasal spray, IV, IM and "
            "oral/sublingual ketamine (status, indication, cost, visits) and what the chart does not say. "
            "No card otherwise. Informs; never prescribes.",
        ),
        Service(
            "ketamine-order-select",
            "order-select",
            "Ketamine/esketamine order check",
            "When a ketamine or esketamine order is selected: the safety flags the chart raises for it "
            "(a warning), or that it raises none and what is still to ask (info).",
        ),
        Service(
            "ketamine-order-sign",
            "order-sign",
            "Ketamine/esketamine safety flag at signing",
            "When a ketamine or esketamine order is signed: a card only when a safety flag remains.",
        ),
    )
}


def outcome(status: int, code: str, text: str) -> JSONResponse:
    """A FHIR OperationOutcome error body (401 never uses this: it is bare)."""
    body = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": text}]}
    return JSONResponse(body, status_code=status)


def unauthorized() -> Response:
    return Response(status_code=401, headers={"WWW-Authenticate": 'Bearer realm="cds-services"'})


@dataclass
class State:
    config: ServerConfig
    kb: KnowledgeBase
    index: CodeIndex
    base_url: str
    store: Store
    templates: dict[str, str]
    clock: Callable[[], float] = time.time
    today: Callable[[], dt.date] = dt.date.today
    client: httpx.AsyncClient | None = None
    verifier: Verifier | None = None
    feedback: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


def _ssl_context(config: ServerConfig) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if config.tls_ca_file is not None:
        context.load_verify_locations(cafile=str(config.tls_ca_file))
    return context


def create_app(
    config: ServerConfig,
    kb: KnowledgeBase,
    base_url: str,
    *,
    store: Store | None = None,
    clock: Callable[[], float] = time.time,
    today: Callable[[], dt.date] = dt.date.today,
) -> Starlette:
    """The app for ``config``; ``base_url`` is what callers reach (``aud`` is built from it)."""
    index = code_index(kb)
    state = State(config, kb, index, base_url.rstrip("/"), store or MemoryStore(), templates(index), clock, today)
    warm_up(state)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # trust_env=False: no proxy from the environment ever sees a FHIR access token.
        async with httpx.AsyncClient(
            verify=_ssl_context(config), follow_redirects=False, trust_env=False, timeout=2.0
        ) as client:
            state.client = client
            keys = JwksCache(config, client)
            await keys.prefetch()
            state.verifier = Verifier(config, keys, state.store, clock)
            yield

    async def discovery(request: Request) -> Response:
        return JSONResponse({"services": [_describe(s, state) for s in SERVICES.values()]})

    async def call(request: Request) -> Response:
        return await _call(request, state)

    async def feedback(request: Request) -> Response:
        return await _feedback(request, state)

    async def feedback_counts(request: Request) -> Response:
        service = SERVICES.get(request.path_params["service_id"])
        if service is None:
            return outcome(404, "not-found", "no such CDS service")
        if not await _authorized(request, state):
            return unauthorized()
        return JSONResponse({"service": service.id, "counts": dict(state.feedback.get(service.id, Counter()))})

    async def link(request: Request) -> Response:
        return _link(request.path_params["token"], state)

    async def sources(request: Request) -> Response:
        lines = [f"ketadecide knowledge base, reviewed {kb.reviewed.isoformat()}: sources", ""]
        lines += [f"- {s.citation}" + (f" {s.url}" if s.url else "") for s in kb.sources.values()]
        return PlainTextResponse("\n".join(lines))

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = {404: "not-found", 405: "not-supported"}.get(status, "exception")
        return outcome(status, code, "not found" if status == 404 else "request not supported")

    origins = ["*"] if config.dev else list(config.allowed_origins)
    middleware = [
        Middleware(
            _Cors,
            allow_origins=origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            # --dev: a browser on the public sandbox calls this loopback service (Private Network Access).
            allow_private_network=config.dev,
            max_age=600,
        )
    ]
    routes = [
        Route("/cds-services", discovery, methods=["GET"]),
        Route("/cds-services/{service_id}", call, methods=["POST"]),
        Route("/cds-services/{service_id}/feedback", feedback, methods=["POST"]),
        Route("/cds-services/{service_id}/feedback", feedback_counts, methods=["GET"]),
        Route("/links/{token}", link, methods=["GET"]),
        Route("/sources", sources, methods=["GET"]),
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, 500: http_error},
    )


class _Cors(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered as an OperationOutcome like every error."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 200:
            return response
        refused = outcome(400, "forbidden", "this origin, method or header is not allowed (CORS)")
        refused.headers.update({k: v for k, v in response.headers.items() if k.lower().startswith("access-control")})
        return refused


def _describe(service: Service, state: State) -> dict[str, Any]:
    return {
        "hook": service.hook,
        "id": service.id,
        "title": service.title,
        "description": service.description,
        "prefetch": state.templates,
        "usageRequirements": (
            "Send a signed JWT (ES384 or RS384 recommended) from a configured issuer. Data the prefetch "
            "does not give is read from fhirServer only when it is the issuer's configured FHIR base."
        ),
    }


async def _authorized(request: Request, state: State) -> bool:
    """The JWT check (spec §Trusting CDS Clients); --dev accepts a call without one."""
    header = request.headers.get("authorization")
    if state.config.dev and header is None:
        return True
    assert state.verifier is not None
    try:
        request.state.claims = await state.verifier.verify(header, state.base_url + request.url.path)
    except Unauthorized:
        return state.config.dev  # the documented insecure profile: JWT optional
    return True


async def _json_body(request: Request) -> Any:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        raise ValueError("the request body is too large")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise ValueError("the request body is too large")
    # The project's JSON reader: duplicate keys, NaN and nesting deeper than it allows are bad
    # input (a 400), never a RecursionError deep in the validator (a 500).
    try:
        return load_json(raw.decode("utf-8"), "request")
    except InputError as exc:
        raise ValueError(str(exc)) from None


async def _service_call(request: Request, state: State) -> tuple[Service, Any] | Response:
    """What a service call and its feedback both start with: the service named in the path,
    the caller's JWT, and the body read as JSON; an error response for the first that fails."""
    service = SERVICES.get(request.path_params["service_id"])
    if service is None:
        return outcome(404, "not-found", "no such CDS service")
    if not await _authorized(request, state):
        return unauthorized()
    try:
        return service, await _json_body(request)
    except (ValueError, UnicodeDecodeError):
        return outcome(400, "invalid", "the request body is not JSON (or is too large)")


async def _call(request: Request, state: State) -> Response:
    called = await _service_call(request, state)
    if isinstance(called, Response):
        return called
    service, body = called
    if not isinstance(body, dict):
        return outcome(400, "invalid", "the request body must be a JSON object")
    hook, instance, context = body.get("hook"), body.get("hookInstance"), body.get("context")
    if not isinstance(hook, str) or not isinstance(instance, str) or not isinstance(context, dict):
        return outcome(400, "required", "hook, hookInstance and context are required")
    if hook != service.hook:
        return outcome(400, "invalid", f"this service answers the {service.hook} hook, not {hook[:64]!r}")
    patient_id = context.get("patientId")
    if not isinstance(patient_id, str) or not FHIR_ID.match(patient_id):
        return outcome(400, "required", "context.patientId must be a FHIR id")
    prefetch = body.get("prefetch", {})
    if not isinstance(prefetch, dict):
        return outcome(400, "invalid", "prefetch must be an object")
    try:
        keys = await _gather(state, request, body, prefetch, patient_id)
    except (BadPrefetch, InputError) as exc:
        message = str(exc) if isinstance(exc, BadPrefetch) else "a prefetched resource is not valid FHIR R4"
        return outcome(400, "invalid", message)
    patient = keys.get("patient")
    if (
        patient is None
        or patient.status != "ok"
        or not any(r.get("resourceType") == "Patient" for r in patient.resources)
    ):
        return outcome(412, "not-found", "the Patient could not be obtained from prefetch or the FHIR server")
    unobtained = [KEY_FIELDS[k] for k, r in keys.items() if r.status in ("failed", "partial", "absent")]
    resources = merge(r for result in keys.values() for r in result.resources)
    try:
        bundle = as_bundle(resources)  # each key's resources were validated as they came in
        chart = chart_of(
            bundle, state.kb, state.index, state.today(), source="request", unobtained=sorted(set(unobtained))
        )
    except InputError:
        return outcome(400, "invalid", "the patient's record could not be read (two patients, or dates in the future)")
    orders: tuple[Order, ...] = ()
    if service.hook != "patient-view":
        selections = context.get("selections") if service.hook == "order-select" else None
        orders = draft_ketamine_orders(
            context.get("draftOrders"), selections if isinstance(selections, list) else None, state.index
        )
    plan = _plan(service.hook, chart, orders, state)
    if plan is None:
        return JSONResponse({"cards": []})
    card = dict(plan.card)
    card["links"] = _links(chart, state)
    return JSONResponse({"cards": [card]})


def _plan(hook: card_rules.Hook, chart: Chart, orders: tuple[Any, ...], state: State) -> card_rules.CardPlan | None:
    result = evaluate_chart(chart, state.kb)
    return card_rules.plan_card(hook, chart, result, orders, source_url=f"{state.base_url}/sources")


def evaluate_chart(chart: Chart, kb: KnowledgeBase) -> Any:
    """The comparison for the chart's profile; None when the record gives no age (it is required)."""
    from ketadecide.compare import evaluate
    from ketadecide.fhir.reader import to_profile

    if "age" not in chart.profile:
        return None
    try:
        profile = to_profile(chart.profile, "request")
    except InputError:
        return None
    # The record's notes (values too old to use, record conflicts) reach the comparison: an old
    # reading above a threshold keeps a "measure again" flag (CONTRACT §3 stale).
    return evaluate(profile, kb, handout=False, decision_support=False, record=chart.report.notes())


async def _gather(
    state: State, request: Request, body: Mapping[str, Any], prefetch: Mapping[str, Any], patient_id: str
) -> dict[str, KeyResult]:
    """Each template key's data: from prefetch, else (when allowed) fetched under one deadline."""
    keys: dict[str, KeyResult] = {}
    for key in state.templates:
        if key in prefetch:
            result = classify(prefetch[key])
            if result.resources:
                result.resources = validate_resources(result.resources, f"prefetch.{key}", state.today())
            keys[key] = result
        else:
            keys[key] = KeyResult("absent")
    wanted: dict[str, str | None] = {}
    for key, result in keys.items():
        if result.status in ("absent", "failed"):
            wanted[key] = render(state.templates[key], patient_id)
        elif result.next_url:
            wanted[key] = result.next_url
    base = _fetch_base(state, request, body)
    if not wanted or base is None or state.client is None:
        return keys
    token = cast(str, body["fhirAuthorization"]["access_token"])
    fetched = await Fetcher(state.client, base, token, state.config.fhir_deadline_ms / 1000).run(wanted)
    for key, fetched_key in fetched.items():
        got = fetched_key
        if got.resources:
            try:
                got.resources = validate_resources(got.resources, f"fetched {key}", state.today())
            except InputError:
                got = KeyResult("failed", fetched=True)
        before = keys[key]
        if before.next_url and before.status in ("ok", "partial"):
            status: KeyStatus = "ok" if got.status == "ok" and before.status == "ok" else "partial"
            keys[key] = KeyResult(status, before.resources + got.resources, fetched=True)
        else:
            keys[key] = got
    return keys


def _fetch_base(state: State, request: Request, body: Mapping[str, Any]) -> str | None:
    """The FHIR base to fetch from: the issuer's configured one, when fhirServer names it.

    Outside --dev the service never requests an address only the caller names, and never
    sends a token over plain http. In --dev (loopback only) an unconfigured fhirServer is used.
    """
    server, auth = body.get("fhirServer"), body.get("fhirAuthorization")
    if not isinstance(server, str) or not isinstance(auth, dict) or not isinstance(auth.get("access_token"), str):
        return None
    claims = getattr(request.state, "claims", None)
    iss = claims.get("iss") if isinstance(claims, dict) else None
    issuer = state.config.issuer(iss) if isinstance(iss, str) else None
    if issuer is not None and issuer.fhir_base:
        return issuer.fhir_base if same_base(server, issuer.fhir_base) else None
    if state.config.dev and server.startswith(("http://", "https://")):
        return server
    return None


def _links(chart: Chart, state: State) -> list[dict[str, Any]]:
    """The handout and the full comparison, each behind an opaque short-lived id (never patient data in a URL)."""
    out = []
    for label, audience in (("Patient handout (printable)", "patient"), ("Full comparison with sources", "clinician")):
        token = secrets.token_urlsafe(24)
        state.store.add(
            f"link\x00{token}", json.dumps({"profile": chart.profile, "audience": audience}), state.config.link_ttl_s
        )
        out.append({"label": label, "url": f"{state.base_url}/links/{token}", "type": "absolute"})
    return out


def _link(token: str, state: State) -> Response:
    from ketadecide.compare import evaluate
    from ketadecide.fhir.reader import to_profile
    from ketadecide.render.html import render_html

    headers = {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    }
    held = state.store.get(f"link\x00{token}") if len(token) <= 64 else None
    if held is None:
        page = "<!doctype html><title>Link expired</title><p>This link has expired. Open the card again in the chart."
        return HTMLResponse(page, status_code=404, headers=headers)
    data = json.loads(held)
    result = evaluate(to_profile(data["profile"], "link"), state.kb)
    return HTMLResponse(render_html(result, data["audience"]), headers=headers)


async def _feedback(request: Request, state: State) -> Response:
    called = await _service_call(request, state)
    if isinstance(called, Response):
        return called
    service, body = called
    items = body.get("feedback") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return outcome(400, "required", "feedback must be an array")
    checked = []
    for item in items:
        if not isinstance(item, dict):
            return outcome(400, "invalid", "each feedback must be an object")
        card, result, when = item.get("card"), item.get("outcome"), item.get("outcomeTimestamp")
        if not isinstance(card, str) or result not in ("accepted", "overridden") or not isinstance(when, str):
            return outcome(
                400, "invalid", "each feedback needs card, outcome (accepted or overridden) and outcomeTimestamp"
            )
        reason = item.get("overrideReason")
        coding = reason.get("reason") if isinstance(reason, dict) else None
        code = (
            coding.get("code")
            if isinstance(coding, dict) and coding.get("system") == card_rules.OVERRIDE_SYSTEM
            else None
        )
        checked.append((card, result, when, code if isinstance(code, str) else None, isinstance(coding, dict)))
    counts = state.feedback[service.id]
    for card, result, when, code, has_reason in checked:
        # The same feedback sent twice counts once; nothing about the patient is kept
        # (the card uuid carries only the topic; the user's comment is never stored).
        key = hashlib.sha256(f"{service.id}\x00{card}\x00{result}\x00{when}".encode()).hexdigest()
        if not state.store.add(f"feedback\x00{key}", "1", FEEDBACK_TTL_S):
            continue
        topic = card_rules.topic_of_uuid(card) or "unknown"
        counts[f"{topic}:{result}"] += 1
        if has_reason:
            counts[f"{topic}:reason:{code or 'other'}"] += 1
    return JSONResponse({})


def warm_up(state: State) -> None:
    """Build every validator and code path once, before the first request (synthetic data)."""
    synthetic: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": "warm-up", "birthDate": "1980-01-01"},
        {
            "resourceType": "Condition",
            "id": "warm-up-c",
            "subject": {"reference": "Patient/warm-up"},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F33.2"}]},
        },
        {
            "resourceType": "MedicationRequest",
            "id": "warm-up-m",
            "status": "active",
            "intent": "order",
            "subject": {"reference": "Patient/warm-up"},
            "medicationCodeableConcept": {"text": "esketamine nasal spray"},
        },
        {
            "resourceType": "MedicationStatement",
            "id": "warm-up-s",
            "status": "completed",
            "subject": {"reference": "Patient/warm-up"},
            "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "N06AB10"}]},
        },
        {
            "resourceType": "Observation",
            "id": "warm-up-o",
            "status": "final",
            "subject": {"reference": "Patient/warm-up"},
            "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
            "effectiveDateTime": "2020-01-01",
            "valueQuantity": {"value": 120, "unit": "mm[Hg]"},
        },
        {
            "resourceType": "AllergyIntolerance",
            "id": "warm-up-a",
            "patient": {"reference": "Patient/warm-up"},
            "code": {"text": "penicillin"},
        },
    ]
    bundle = as_bundle(validate_resources(synthetic, "warm-up", state.today()))
    chart = chart_of(bundle, state.kb, state.index, state.today(), source="warm-up")
    for hook in ("patient-view", "order-select"):
        card_rules.plan_card(hook, chart, evaluate_chart(chart, state.kb), chart.courses, source_url=state.base_url)
    from ketadecide.render.html import render_html

    result = evaluate_chart(chart, state.kb)
    if result is not None:
        render_html(result, "patient")
    _warm_crypto()


def _warm_crypto() -> None:
    """PyJWT's EC and RSA code paths load their backends on first use: use them now."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())
    token = jwt.encode({"a": 1}, key, algorithm="ES384")
    jwt.decode(token, key.public_key(), algorithms=["ES384"])
