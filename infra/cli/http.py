"""`antrian serve`, `antrian token create|list|revoke` and `antrian openapi`: the HTTP service's commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from infra.cli.state import state

if TYPE_CHECKING:
    from infra.http.tokens import TokenStore

token_app = typer.Typer(no_args_is_help=True, help="API tokens for `antrian serve`: create, list, revoke.")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
OPENAPI = Path("docs") / "openapi.json"
OPENAPI_COMMAND = "antrian openapi"


def register(app: typer.Typer) -> None:
    """Add the HTTP service's commands to `app`."""
    app.command("serve")(serve)
    app.command("openapi")(openapi)
    app.add_typer(token_app, name="token")


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8080, min=0, max=65535, help="Port to listen on."),
) -> None:
    """Serve the HTTP API (README: HTTP API) over this store's read models; Ctrl-C stops it."""
    import uvicorn

    from infra.http.app import create_app

    settings = state.settings
    if host not in LOOPBACK and _active_tokens() == 0:
        typer.echo(
            f"error: refusing to listen on {host} with no API token: create one (`antrian token create`) "
            "or listen on 127.0.0.1",
            err=True,
        )
        raise typer.Exit(2)
    typer.echo(f"antrian serve: http://{host}:{port} ({settings.store} store)", err=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


def _tokens() -> TokenStore:
    from infra.bootstrap import build_read_store
    from infra.http.tokens import TokenStore

    return TokenStore(build_read_store(state.settings))


def _active_tokens() -> int:
    tokens = _tokens()
    try:
        return tokens.active()
    finally:
        tokens.store.close()


@token_app.command("create")
def create(
    role: str = typer.Option(..., "--role", help="viewer, operator, auditor or admin."),
    name: str = typer.Option(..., "--name", help="Who or what uses it: shown in retries and dead letters."),
) -> None:
    """Make a token and print it, once: only its hash is kept."""
    from infra.http.tokens import TokenError

    tokens = _tokens()
    try:
        token = tokens.create(name, role)
    except TokenError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    finally:
        tokens.store.close()
    typer.echo(token)
    typer.echo(f"token {name!r} ({role}) created: it is shown only now", err=True)


@token_app.command("list")
def list_tokens() -> None:
    """Every token's name, role, and when it was made and revoked (never the token)."""
    tokens = _tokens()
    try:
        found = tokens.listed()
    finally:
        tokens.store.close()
    for info in found:
        revoked = f"  revoked {info.revoked_at.isoformat()}" if info.revoked_at else ""
        typer.echo(f"{info.name}  {info.role.value}  created {info.created_at.isoformat()}{revoked}")
    if not found:
        typer.echo("no tokens", err=True)


@token_app.command("revoke")
def revoke(name: str = typer.Argument(..., help="The token's name.")) -> None:
    """Revoke the active token of this name: refused from the next request on."""
    from infra.http.tokens import TokenError

    tokens = _tokens()
    try:
        tokens.revoke(name)
    except TokenError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        tokens.store.close()
    typer.echo(f"token {name!r} revoked")


def openapi(out: Path = typer.Argument(OPENAPI, help="Where to write the OpenAPI document.")) -> None:
    """Write the HTTP API's OpenAPI document (committed as docs/openapi.json; a test checks it is current)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(openapi_document())
    typer.echo(f"wrote {out}")


def openapi_document() -> bytes:
    import orjson

    from infra.http.app import create_app
    from infra.settings import Settings

    document = create_app(Settings(store="memory")).openapi()
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
