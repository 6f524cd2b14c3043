"""`resilient-agents keys`: the signing key that lets only Restate call the service endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..exceptions import ConfigurationError
from ..security import IDENTITY_KEYS_ENV, SERVER_KEY_ENV, KeyPair, generate_key_pair, load_key_pair
from ._app import app, console, fail

keys_app = typer.Typer(help="Request identity: restate-server signs its requests, the service checks them.")
app.add_typer(keys_app, name="keys")


def _print_settings(pair: KeyPair, path: Path) -> None:
    console.print(pair.public_key_id, highlight=False)
    console.print("# restate-server (keep the PEM secret):", style="dim", highlight=False)
    console.print(f"export {SERVER_KEY_ENV}={path.resolve()}", highlight=False, markup=False)
    console.print("# service process (the key id is not secret):", style="dim", highlight=False)
    console.print(f"export {IDENTITY_KEYS_ENV}={pair.public_key_id}", highlight=False, markup=False)


@keys_app.command("generate")
def generate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the private key (PEM, mode 0600)")] = Path(
        "restate-identity.pem"
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing key file")] = False,
) -> None:
    """Make an ed25519 key pair: write the private key, print its publickeyv1_ id and the settings to use."""
    if out.exists() and not force:
        raise fail(f"{out} exists: pass --force to replace it (services still expecting the old key will refuse)")
    pair = generate_key_pair()
    pair.write(out)
    _print_settings(pair, out)


@keys_app.command("show")
def show(key: Annotated[Path, typer.Argument(help="An ed25519 private key PEM (ours or openssl's)")]) -> None:
    """Print the publickeyv1_ id of an existing private key, and the settings to use."""
    try:
        pair = load_key_pair(key)
    except ConfigurationError as exc:
        raise fail(str(exc)) from None
    _print_settings(pair, key)
