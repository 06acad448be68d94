"""Who may call: the CDS Hooks JWT (spec §Trusting CDS Clients), checked with PyJWT.

Checks, in order; any failure is :class:`Unauthorized` (a bare 401, nothing said why):

1. the header's ``alg`` is asymmetric and allowed (``none`` and HS* are refused), ``kid`` is
   present, ``typ`` (when given) is ``JWT``;
2. ``iss`` is a configured issuer; its keys come only from its configured JWKS URL (a ``jku``
   in the token is never followed), cached for ``jwks_ttl_s``, refetched at most once per
   :data:`REFETCH_INTERVAL_S` when a ``kid`` is unknown;
3. the signature, with the key of that ``kid`` and an algorithm of that key's type;
4. ``aud`` is the URL called (public base URL + path) or one of the issuer's configured ones;
5. ``exp`` not past (60 s leeway), ``iat`` not in the future nor older than
   :data:`MAX_TOKEN_AGE_S`, ``nbf`` (when given) reached;
6. ``jti`` not seen before (the replay cache, in the :class:`~.store.Store`).

Neither the token nor the FHIR access token is ever logged or put in an error.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from jwt import PyJWK, PyJWKSet

from ketadecide.server.config import ServerConfig
from ketadecide.server.store import Store

#: The asymmetric JWS algorithms accepted (RFC 7518; the spec recommends ES384 and RS384).
ALGORITHMS = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA")
LEEWAY_S = 60
MAX_TOKEN_AGE_S = 3600
REFETCH_INTERVAL_S = 30.0
MAX_TOKEN_BYTES = 16_384
MAX_JWKS_BYTES = 262_144


class Unauthorized(Exception):
    """The call is not authenticated; the reason stays on the server (never in the reply)."""


@dataclass
class _Keys:
    keys: dict[str, tuple[PyJWK, str | None]] = field(default_factory=dict)
    """kid -> (key, the ``alg`` the JWK itself declares, if any)."""
    fetched: float = -1e12
    """When the JWKS was last fetched (monotonic); -inf-ish means never."""


class JwksCache:
    """Per-issuer keys from each issuer's configured JWKS URL only."""

    def __init__(self, config: ServerConfig, client: httpx.AsyncClient, clock: Callable[[], float] = time.monotonic):
        self.config = config
        self.client = client
        self.clock = clock
        self._keys: dict[str, _Keys] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def key(self, iss: str, kid: str) -> tuple[PyJWK, str | None]:
        issuer = self.config.issuer(iss)
        if issuer is None:
            raise Unauthorized("issuer not allowed")
        held = self._keys.setdefault(iss, _Keys())
        now = self.clock()
        stale = now - held.fetched > self.config.jwks_ttl_s
        unknown_kid = kid not in held.keys
        if stale or (unknown_kid and now - held.fetched > REFETCH_INTERVAL_S):
            seen = held.fetched
            async with self._locks.setdefault(iss, asyncio.Lock()):
                if held.fetched == seen:  # nobody refetched while we waited for the lock
                    await self._fetch(iss, issuer.jwks_url)
        found = held.keys.get(kid)
        if found is None:
            raise Unauthorized("unknown kid")
        return found

    async def prefetch(self) -> None:
        """Fetch every issuer's keys now (at start-up), so the first call waits for none."""
        for issuer in self.config.issuers:
            self._keys.setdefault(issuer.iss, _Keys())
            await self._fetch(issuer.iss, issuer.jwks_url)

    async def _fetch(self, iss: str, url: str) -> None:
        entry = self._keys[iss]
        entry.fetched = self.clock()  # also on failure: one try per interval, never a storm
        try:
            response = await self.client.get(url, timeout=2.0)
            if response.status_code != 200 or len(response.content) > MAX_JWKS_BYTES:
                return
            jwks = PyJWKSet.from_dict(json.loads(response.content))
        except (httpx.HTTPError, ValueError, jwt.PyJWTError):
            return  # keep the keys we had; an unknown kid stays unknown
        entry.keys = {
            k.key_id: (k, k._jwk_data.get("alg") if isinstance(k._jwk_data.get("alg"), str) else None)
            for k in jwks.keys
            if k.key_id and k.public_key_use in (None, "sig")
        }


class Verifier:
    def __init__(
        self,
        config: ServerConfig,
        keys: JwksCache,
        store: Store,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.keys = keys
        self.store = store
        self.clock = clock

    async def verify(self, authorization: str | None, url: str) -> dict[str, Any]:
        """The claims of a valid ``Authorization: Bearer`` JWT for a call to ``url``."""
        if not authorization or not authorization.startswith("Bearer "):
            raise Unauthorized("no bearer token")
        token = authorization[len("Bearer ") :].strip()
        if not token or len(token) > MAX_TOKEN_BYTES:
            raise Unauthorized("token size")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise Unauthorized("malformed") from None
        alg, kid, typ = header.get("alg"), header.get("kid"), header.get("typ")
        if alg not in ALGORITHMS or not isinstance(kid, str) or not kid:
            raise Unauthorized("algorithm or kid")
        if typ is not None and typ != "JWT":
            raise Unauthorized("typ")
        iss = unverified.get("iss")
        if not isinstance(iss, str):
            raise Unauthorized("no iss")
        key, declared = await self.keys.key(iss, kid)
        if (declared is not None and declared != alg) or not _same_family(key, alg):
            raise Unauthorized("algorithm does not fit the key")
        issuer = self.config.issuer(iss)
        assert issuer is not None  # the key lookup checked it
        audiences = [url, *issuer.audiences]
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=audiences,
                issuer=iss,
                # Times are checked below with our clock (tests set it; the leeway is ours).
                options={
                    "require": ["iss", "aud", "exp", "iat", "jti"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError:
            raise Unauthorized("signature or claims") from None
        self._check_times(claims)
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > 512:
            raise Unauthorized("jti")
        ttl = max(float(claims["exp"]) - self.clock() + LEEWAY_S, 1.0)
        if not self.store.add(f"jti\x00{iss}\x00{jti}", "1", ttl):
            raise Unauthorized("replayed jti")
        return claims

    def _check_times(self, claims: dict[str, Any]) -> None:
        now = self.clock()
        exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
        if not _number(exp) or not _number(iat) or (nbf is not None and not _number(nbf)):
            raise Unauthorized("time claims")
        assert isinstance(exp, int | float) and isinstance(iat, int | float)
        if float(exp) + LEEWAY_S < now:
            raise Unauthorized("expired")
        if float(iat) - LEEWAY_S > now or now - float(iat) > MAX_TOKEN_AGE_S:
            raise Unauthorized("iat")
        if nbf is not None and float(nbf) - LEEWAY_S > now:
            raise Unauthorized("not yet valid")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same_family(key: PyJWK, alg: str) -> bool:
    """A JWK without ``alg`` may sign with any algorithm of its key type."""
    kty = key.key_type
    if kty == "RSA":
        return alg[:2] in ("RS", "PS")
    if kty == "EC":
        return alg.startswith("ES")
    if kty == "OKP":
        return alg == "EdDSA"
    return False
