"""Data in: the prefetch templates, what each prefetch value means, and the FHIR fetches.

Spec §Prefetch Template: a key the client did not send was not attempted; ``null`` means the
client has no data for it; an OperationOutcome means the client's fetch failed. Keys not
attempted or failed are fetched from ``fhirServer`` (with ``fhirAuthorization``) — all at
once, under one deadline — but only when ``fhirServer`` is the FHIR base configured for the
token's issuer (see :func:`may_fetch`): the service never requests an address a caller names.
No redirect is followed and a next page is read only from the same origin.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urljoin, urlsplit

import httpx

from ketadecide.knowledge.files.codes import CodeIndex

KeyStatus = Literal["ok", "none", "failed", "partial", "absent"]

#: FHIR ids (R4 §2.24.0.1): what a patient id may be before it goes into a query.
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
MAX_PAGES = 10
MAX_RESPONSE_BYTES = 16 * 1024 * 1024

#: What each prefetch key gives the evaluation (the card names the unobtained ones).
KEY_FIELDS: dict[str, str] = {
    "patient": "age",
    "conditions": "diagnoses and conditions",
    "medicationRequests": "medications",
    "medicationStatements": "medications",
    "allergies": "allergies (ketamine hypersensitivity)",
    "bloodPressure": "blood pressure",
    "phq9": "PHQ-9",
    "pregnancy": "pregnancy",
}


def templates(index: CodeIndex) -> dict[str, str]:
    """The prefetch templates: every resource the mapping reads for the evaluation's fields.

    Observation codes come from codes.yaml (the LOINC codes whose role the mapping reads),
    so the templates follow the data. Coverage is not asked for: the mapping does not read
    it yet (insurance stays "unknown", as after a bundle import).
    """
    loinc = index.codes.systems["loinc"].uris[0] if "loinc" in index.codes.systems else "http://loinc.org"

    def codes(prefix: str) -> str:
        found = [
            f"{loinc}|{code}"
            for entry in index.codes.entries.values()
            if entry.record == "observation"
            and entry.system == "loinc"
            and (entry.observation or "").startswith(prefix)
            for code in entry.codes
        ]
        return ",".join(found)

    patient = "{{context.patientId}}"
    return {
        "patient": f"Patient/{patient}",
        "conditions": f"Condition?patient={patient}",
        "medicationRequests": f"MedicationRequest?patient={patient}",
        "medicationStatements": f"MedicationStatement?patient={patient}",
        "allergies": f"AllergyIntolerance?patient={patient}",
        "bloodPressure": f"Observation?patient={patient}&code={codes('bp_')}&_sort=-date&_count=20",
        "phq9": f"Observation?patient={patient}&code={codes('phq9_')}&_sort=-date&_count=50",
        "pregnancy": f"Observation?patient={patient}&code={codes('pregnancy')}&_sort=-date&_count=5",
    }


@dataclass
class KeyResult:
    status: KeyStatus
    resources: list[dict[str, Any]] = field(default_factory=list)
    fetched: bool = False
    """True when the service fetched it itself (False: the client's prefetch)."""
    next_url: str | None = None
    """A next page the prefetch named, to be read if fetching is allowed."""


class BadPrefetch(ValueError):
    """A prefetch value that is not JSON a FHIR server could have returned (the caller's error)."""


def classify(value: Any) -> KeyResult:
    """What one prefetch value says (the spec's meanings of null and OperationOutcome)."""
    if value is None:
        return KeyResult("none")
    if not isinstance(value, Mapping):
        raise BadPrefetch("a prefetch value must be a FHIR resource, a Bundle or null")
    rtype = value.get("resourceType")
    if rtype == "OperationOutcome":
        return KeyResult("failed")
    if rtype == "Bundle":
        resources, failed = _bundle_resources(value)
        return KeyResult("partial" if failed else "ok", resources, next_url=_next_link(value))
    if isinstance(rtype, str):
        return KeyResult("ok", [dict(value)])
    raise BadPrefetch("a prefetch value has no resourceType")


def _bundle_resources(bundle: Mapping[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The resources of a searchset; True when an entry is an OperationOutcome (a partial failure)."""
    out: list[dict[str, Any]] = []
    failed = False
    entries = bundle.get("entry")
    for entry in entries if isinstance(entries, list) else []:
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(resource, Mapping):
            continue
        if resource.get("resourceType") == "OperationOutcome":
            failed = True  # search.mode "outcome": warnings or errors of the search
            continue
        out.append(dict(resource))
    return out, failed


def _next_link(bundle: Mapping[str, Any]) -> str | None:
    links = bundle.get("link")
    for link in links if isinstance(links, list) else []:
        if isinstance(link, Mapping) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return str(link["url"])
    return None


def same_base(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or ""), parts.port


def render(template: str, patient_id: str) -> str:
    return template.replace("{{context.patientId}}", quote(patient_id, safe=""))


class Fetcher:
    """Concurrent FHIR reads for one call, under one deadline."""

    def __init__(self, client: httpx.AsyncClient, base: str, access_token: str, deadline_s: float) -> None:
        self.client = client
        self.base = base.rstrip("/") + "/"
        self.headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/fhir+json"}
        self.deadline = time.monotonic() + deadline_s

    async def run(self, wanted: Mapping[str, str | None]) -> dict[str, KeyResult]:
        """Fetch each key (its relative query, or an absolute next-page URL); failures and the
        deadline give ``failed`` (or ``partial`` when some pages were read)."""
        results: dict[str, KeyResult] = {key: KeyResult("failed", fetched=True) for key in wanted}
        tasks = {key: asyncio.ensure_future(self._one(results[key], query)) for key, query in wanted.items() if query}
        if tasks:
            _done, pending = await asyncio.wait(tasks.values(), timeout=max(self.deadline - time.monotonic(), 0.0))
            for task in pending:
                task.cancel()
            for key, task in tasks.items():
                if task in pending and results[key].resources:
                    results[key].status = "partial"
        return results

    async def _one(self, into: KeyResult, query: str) -> None:
        url: str | None = query if query.startswith(("http://", "https://")) else urljoin(self.base, query)
        pages = 0
        while url is not None and pages < MAX_PAGES:
            if _origin(url) != _origin(self.base):
                into.status = "partial" if into.resources else "failed"
                return  # a next page elsewhere is not followed (nor is the token sent there)
            body = await self._get(url)
            pages += 1
            if body is None or body.get("resourceType") == "OperationOutcome":
                into.status = "partial" if into.resources else "failed"
                return
            if body.get("resourceType") == "Bundle":
                resources, failed = _bundle_resources(body)
                into.resources.extend(resources)
                if failed:
                    into.status = "partial"
                    return
                url = _next_link(body)
            else:
                into.resources.append(body)
                url = None
        into.status = "ok" if url is None else "partial"

    async def _get(self, url: str) -> dict[str, Any] | None:
        try:
            response = await self.client.get(url, headers=self.headers, follow_redirects=False)
        except httpx.HTTPError:
            return None
        if response.status_code != 200 or len(response.content) > MAX_RESPONSE_BYTES:
            return None  # a redirect (3xx) is a failure too: the token is not sent on
        try:
            data = response.json()
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
