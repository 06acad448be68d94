"""A real ``ketadecide serve`` process, a loopback https FHIR server stub with a test CA
(trustme), and JWTs signed by keys generated here. Nothing here imports ketadecide: the
client side is written from the CDS Hooks 2.0.1 specification, not from our code.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
import trustme
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_MS = 2000
ISSUER = "https://ehr.test"
SPEC_ISSUER = "https://fhir-ehr.example.com/"
#: The public key of the spec's §Security example (a copy written from the published text).
SPEC_EXAMPLE_JWKS = {
    "keys": [
        {
            "kty": "EC",
            "use": "sig",
            "crv": "P-384",
            "kid": "example-kid",
            "x": "46SDH7Znh821wblCBglA61sNE9ZrHYKKt3qRtRTmSXyOI_FIGBLWrWa0GPUkDCEk",
            "y": "XMcRuuoGW7CXjQdy-F5i3FeBE0x9hPLdeFdSoDd3ELmx404tLX0VRRcqzAsPhXcI",
            "alg": "ES384",
        }
    ]
}
#: The spec's example JWT (ES384, exp 1422568860: long expired).
SPEC_EXAMPLE_JWT = (
    "eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCIsImtpZCI6ImV4YW1wbGUta2lkIiwiamt1IjoiaHR0cHM6Ly9maGlyLWVoci5leGFtcGxlLmNvbS9q"
    "d2tfdXJpIn0.eyJpc3MiOiJodHRwczovL2ZoaXItZWhyLmV4YW1wbGUuY29tLyIsImF1ZCI6Imh0dHBzOi8vY2RzLmV4YW1wbGUub3JnL2Nkcy1z"
    "ZXJ2aWNlcy9zb21lLXNlcnZpY2UiLCJleHAiOjE0MjI1Njg4NjAsImlhdCI6MTMxMTI4MDk3MCwianRpIjoiZWUyMmIwMjEtZTFiNy00NjExLWJh"
    "NWItOGVlYzZhMzNhYzFlIiwidGVuYW50IjoiMmRkZDZjM2EtOGU5YS00NGM2LWEzMDUtNTIxMTFhZDMwMmEyIn0.d1WfLjGRKlcWB94l9do4cM8R"
    "EXeYJLL6SGUBO8VHZhfM8mwKYP70EMxJ67War4TQblEpaQrp11wx5p7oPFm2ETYgCicS84vXWEIYTdjooZdooCSDf2L8-i4awdoUwiEb"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ----------------------------------------------------------------------------- keys and JWTs


@dataclass
class Keys:
    es384: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP384R1()))
    rs384: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    attacker: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP384R1()))

    def jwks(self) -> dict[str, Any]:
        es = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.es384.public_key()))
        rs = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rs384.public_key()))
        es.update(kid="k-es384", use="sig", alg="ES384")
        rs.update(kid="k-rs384", use="sig", alg="RS384")
        return {"keys": [es, rs]}

    def token(
        self,
        aud: str | list[str],
        *,
        alg: str = "ES384",
        kid: str | None = "k-es384",
        key: Any = None,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {"iss": ISSUER, "aud": aud, "exp": now + 300, "iat": now, "jti": str(uuid.uuid4())}
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        head = {"typ": "JWT", **(headers or {})}
        if kid is not None:
            head["kid"] = kid
        signer = key if key is not None else (self.rs384 if alg.startswith(("RS", "PS")) else self.es384)
        return jwt.encode(payload, signer, algorithm=alg, headers=head)


# ----------------------------------------------------------------------------- the FHIR stub


@dataclass
class FhirStub:
    """A loopback https FHIR server: records by patient id, a behaviour per patient id."""

    port: int
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    modes: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, bool]] = field(default_factory=list)
    """(path with query, whether an Authorization header came) of every request."""
    jwks: dict[str, Any] = field(default_factory=dict)
    jwks_hits: int = 0

    @property
    def base(self) -> str:
        return f"https://localhost:{self.port}/fhir"

    def hits(self, fragment: str) -> int:
        return sum(1 for path, _ in self.requests if fragment in path)


def _searchset(resources: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": len(resources)}
    if resources:
        bundle["entry"] = [{"resource": r, "search": {"mode": "match"}} for r in resources]
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


def _refers_to(resource: dict[str, Any], pid: str) -> bool:
    for key in ("subject", "patient"):
        ref = resource.get(key)
        if isinstance(ref, dict) and ref.get("reference") in (f"Patient/{pid}", f"urn:uuid:{pid}"):
            return True
    return False


def _codes(resource: dict[str, Any]) -> set[str]:
    out = set()
    for coding in (resource.get("code") or {}).get("coding", []):
        out.add(f"{coding.get('system')}|{coding.get('code')}")
    return out


def make_handler(stub: FhirStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
            raw = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            stub.requests.append((self.path, "Authorization" in self.headers))
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            if parts.path == "/jwks.json":
                stub.jwks_hits += 1
                return self._send(200, stub.jwks)
            if parts.path == "/example-jwks.json":
                return self._send(200, SPEC_EXAMPLE_JWKS)
            if parts.path == "/attacker-jwks.json":
                return self._send(200, {"keys": []})
            if parts.path.startswith("/elsewhere") or parts.path.startswith("/offsite"):
                return self._send(200, _searchset([]))
            segments = parts.path.strip("/").split("/")
            if segments[0] != "fhir" or len(segments) < 2:
                return self._send(404, {"resourceType": "OperationOutcome", "issue": []})
            if segments[1] == "Patient" and len(segments) == 3:
                pid = segments[2]
                patient = next((r for r in stub.records.get(pid, []) if r["resourceType"] == "Patient"), None)
                if patient is None or stub.modes.get(pid) == "patient-missing":
                    return self._send(404, {"resourceType": "OperationOutcome", "issue": []})
                return self._send(200, patient)
            rtype = segments[1]
            pid = (query.get("patient") or [""])[0]
            mode = stub.modes.get(pid, "")
            page = int((query.get("_page") or ["0"])[0])
            if mode == "slow":
                time.sleep(30)  # far past any bound the tests allow, so only the deadline can end it
            if mode == "fail":
                return self._send(500, {"resourceType": "OperationOutcome", "issue": []})
            if mode == "outcome":
                outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "forbidden"}]}
                return self._send(200, outcome)
            if mode == "redirect":
                return self._send(302, None, {"Location": f"https://localhost:{stub.port}/elsewhere?{parts.query}"})
            found = [r for r in stub.records.get(pid, []) if r["resourceType"] == rtype and _refers_to(r, pid)]
            wanted = {c for v in query.get("code", []) for c in v.split(",")}
            if wanted:
                found = [r for r in found if _codes(r) & wanted]
            if mode in ("paged", "offsite") and len(found) > 1:
                host = "localhost" if mode == "paged" else "127.0.0.1"
                path = "fhir" if mode == "paged" else "offsite"
                rest = found[page + 1 :]
                base_query = "&".join(q for q in parts.query.split("&") if not q.startswith("_page="))
                nxt = f"https://{host}:{stub.port}/{path}/{rtype}?{base_query}&_page={page + 1}" if rest else None
                return self._send(200, _searchset(found[page : page + 1], nxt))
            return self._send(200, _searchset(found))

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the service hangs up on a slow response at its deadline: expected here


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="session")
def fhir(ca: trustme.CA, keys: Keys) -> Iterator[FhirStub]:
    stub = FhirStub(free_port(), jwks=keys.jwks())
    server = _QuietServer(("127.0.0.1", stub.port), make_handler(stub))
    server.daemon_threads = True
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stub
    server.shutdown()
    server.server_close()


# ----------------------------------------------------------------------------- the service


@dataclass
class Service:
    base: str
    process: subprocess.Popen[bytes]
    log: Path
    first_call_s: float = -1.0

    def url(self, path: str) -> str:
        return self.base + path


def _start(args: list[str], port: int, tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    log = (tmp / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "ketadecide", "serve", "--port", str(port), *args],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"ketadecide serve exited {process.returncode}: {(tmp / f'serve-{port}.log').read_text()}"
            )
        try:
            if httpx.get(base + "/cds-services", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("ketadecide serve did not start within 90 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory, ca: trustme.CA, fhir: FhirStub, keys: Keys) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("cds")
    port = free_port()
    ca_file = tmp / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    config = {
        "public_base_url": f"http://127.0.0.1:{port}",
        "allowed_origins": ["https://ehr.test"],
        "tls_ca_file": str(ca_file),
        # Longer than the 300 ms default so that loopback fetches finish on a busy machine; the
        # default deadline itself is tested in process (test_server_units.py).
        "fhir_deadline_ms": DEADLINE_MS,
        "issuers": [
            {"iss": ISSUER, "jwks_url": f"https://localhost:{fhir.port}/jwks.json", "fhir_base": fhir.base},
            {"iss": SPEC_ISSUER, "jwks_url": f"https://localhost:{fhir.port}/example-jwks.json"},
        ],
    }
    path = tmp / "cds.yaml"
    path.write_text(json.dumps(config))  # JSON is YAML
    process, base = _start(["--config", str(path)], port, tmp)
    yield Service(base, process, tmp / f"serve-{port}.log")
    _stop(process)


@pytest.fixture(scope="session")
def dev_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("cds-dev")
    port = free_port()
    process, base = _start(["--dev"], port, tmp)
    yield Service(base, process, tmp / f"serve-{port}.log")
    _stop(process)
