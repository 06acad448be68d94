"""The server's config file (YAML, loaded safely) and the settings it gives.

Example (README "In the EHR" explains each key)::

    public_base_url: https://cds.example.org      # what EHRs call; `aud` is this + the path
    allowed_origins: [https://ehr.example.org]    # CORS; none by default
    data_dir: /srv/ketadecide-data                # a clinic's knowledge base (optional)
    fhir_deadline_ms: 300                         # one deadline for all FHIR fetches of a call
    tls_ca_file: /etc/ssl/private-ca.pem          # extra CA for JWKS/FHIR fetches (optional)
    issuers:
      - iss: https://ehr.example.org
        jwks_url: https://ehr.example.org/.well-known/jwks.json
        fhir_base: https://ehr.example.org/fhir/R4
        audiences: []                             # extra accepted `aud` values, set by hand
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ketadecide.errors import InputError, Problem

Url = Annotated[str, Field(min_length=8, max_length=2000, pattern=r"^https?://[^\s]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Issuer(_Strict):
    """One EHR (or identity provider) whose JWTs are trusted."""

    iss: Annotated[str, Field(min_length=1, max_length=2000)]
    jwks_url: Url
    """Keys come from here only (never from a ``jku`` the token names)."""
    fhir_base: Url | None = None
    """The only FHIR server this issuer's calls may make the service fetch from."""
    audiences: tuple[Url, ...] = ()
    """Extra ``aud`` values accepted for this issuer (an EHR that sets them by hand)."""


class ServerConfig(_Strict):
    public_base_url: Url | None = None
    """The service's own base URL as EHRs reach it (default: http://HOST:PORT)."""
    allowed_origins: tuple[Annotated[str, Field(pattern=r"^https?://[^\s/]+$")], ...] = ()
    data_dir: Path | None = None
    fhir_deadline_ms: Annotated[int, Field(ge=50, le=5000)] = 300
    jwks_ttl_s: Annotated[int, Field(ge=10, le=86400)] = 300
    link_ttl_s: Annotated[int, Field(ge=30, le=86400)] = 900
    tls_ca_file: Path | None = None
    issuers: tuple[Issuer, ...] = ()
    dev: bool = False
    """Set by ``--dev`` only, never from the file."""

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    def issuer(self, iss: str) -> Issuer | None:
        return next((i for i in self.issuers if i.iss == iss), None)

    def base_url(self, host: str, port: int) -> str:
        return self.public_base_url or f"http://{host}:{port}"

    def insecure_urls(self) -> list[str]:
        """Key and FHIR URLs that are not https (refused outside --dev: tokens would travel in clear)."""
        urls = [i.jwks_url for i in self.issuers] + [i.fhir_base for i in self.issuers if i.fhir_base]
        return [u for u in urls if urlsplit(u).scheme != "https"]


def load_config(path: Path | None) -> ServerConfig:
    """The config file's settings (defaults without one); :class:`InputError` names the key."""
    if path is None:
        return ServerConfig()
    from ketadecide.safeyaml import load_yaml, read_text

    data = load_yaml(read_text(path, regular_only=True), str(path))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(Problem("the server config must be a mapping of keys", str(path)))
    if "dev" in data:
        raise InputError(Problem("'dev' is set with --dev on the command line only", str(path), "dev"))
    try:
        return ServerConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()))
            message = "not a known key" if err.get("type") == "extra_forbidden" else str(err.get("msg", "invalid"))
            problems.append(Problem(message, str(path), where or None))
        raise InputError(problems) from None
