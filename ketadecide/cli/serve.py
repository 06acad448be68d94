"""``ketadecide serve``: the CDS Hooks service (or, with --simulate, its alert burden)."""

from __future__ import annotations

import ipaddress
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ketadecide.cli.errors import handles_errors
from ketadecide.cli.help import examples
from ketadecide.cli.options import AsOfOpt, DataDirOpt

if TYPE_CHECKING:
    from ketadecide.knowledge.base import KnowledgeBase

INSTALL_HINT = "ketadecide serve needs the optional 'server' extra: pip install 'ketadecide[server]'"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _servable(kb: KnowledgeBase) -> KnowledgeBase:
    """Synthetic test data has no label floor underneath: an EHR never gets cards from it."""
    if kb.synthetic:
        from ketadecide.errors import InputError, Problem

        raise InputError(
            Problem("synthetic test data (overlay.yaml: standalone: synthetic) is never served", str(kb.data_dir))
        )
    return kb


@handles_errors
def serve(  # noqa: PLR0917 - a Typer command: its options are its parameters
    host: Annotated[str, typer.Option("--host", metavar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, metavar="PORT", help="Port to listen on.")] = 8787,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="FILE",
            dir_okay=False,
            help="YAML: public_base_url, issuers (iss, jwks_url, fhir_base, audiences), allowed_origins, data_dir.",
        ),
    ] = None,
    dev: Annotated[
        bool,
        typer.Option(
            "--dev",
            help="Insecure profile for the public CDS Hooks Sandbox: CORS *, JWT optional, http FHIR "
            "allowed. Loopback --host only.",
        ),
    ] = False,
    simulate: Annotated[
        Path | None,
        typer.Option(
            "--simulate",
            metavar="DIR",
            file_okay=False,
            help="Do not serve: run the card rules over the FHIR bundles in DIR and report cards per 1,000 calls.",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="With --simulate: the report as JSON.")] = False,
    as_of: AsOfOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Serve the comparison as CDS Hooks 2.0.1 cards (patient-view, order-select, order-sign).

    Discovery is at /cds-services. Every service call needs a signed JWT from an issuer in
    the config file (see README "In the EHR"); --dev is for trying it with the public
    sandbox on your own machine only.
    """
    from ketadecide.errors import InputError, Problem
    from ketadecide.floor import load_knowledge_base
    from ketadecide.server.config import load_config

    settings = load_config(config)
    directory = data_dir or settings.data_dir
    if simulate is not None:
        import datetime as dt

        if not simulate.is_dir():
            raise InputError(Problem("not a folder of FHIR bundles (*.json)", str(simulate), "--simulate"))
        from ketadecide.server.simulate import simulate as run_simulation

        kb = _servable(load_knowledge_base(directory))
        report = run_simulation(simulate, kb, as_of.date() if as_of else dt.date.today())
        text = json.dumps(report.to_dict(), indent=2) if json_out else "\n".join(report.lines())
        print(text)
        return
    if config is None and not dev:
        # Without issuers every call would be refused: say what to give instead of serving that.
        raise InputError(
            Problem("give --config FILE (the EHRs whose tokens to trust; see README 'In the EHR') or --dev")
        )
    if dev and not _loopback(host):
        raise InputError(Problem(f"--dev listens on a loopback address only (127.0.0.1, ::1), not {host}", "--host"))
    if not dev:
        insecure = settings.insecure_urls()
        if insecure:
            raise InputError(
                Problem(
                    f"not https: {insecure[0]} (tokens would travel in clear; http is allowed with --dev only)",
                    str(config),
                )
            )
    try:
        import uvicorn

        from ketadecide.server.app import create_app
    except ImportError:
        raise InputError(Problem(INSTALL_HINT)) from None
    settings = settings.model_copy(update={"dev": dev})
    kb = _servable(load_knowledge_base(directory))
    app = create_app(settings, kb, settings.base_url(host, port))
    mode = " (--dev: INSECURE, for the public sandbox only)" if dev else ""
    print(f"ketadecide: serving CDS Hooks at {settings.base_url(host, port)}/cds-services{mode}", file=sys.stderr)
    # access_log off: a request line could carry what a caller put in a URL; nothing is logged
    # about requests, and the JWT and FHIR token are never logged.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning", server_header=False)


def register(app: typer.Typer) -> None:
    app.command(
        "serve",
        short_help="Serve the comparison as CDS Hooks cards in the EHR (or --simulate the alert burden).",
        epilog=examples(
            "ketadecide serve --config cds.yaml --port 8787",
            "ketadecide serve --dev",
            "ketadecide serve --simulate bundles/",
        ),
    )(serve)
