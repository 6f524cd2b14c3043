"""Request identity: only Restate may call the service endpoint.

restate-server signs every request it sends to a service with an ed25519 private key
(`RESTATE_WORKER__INVOKER__REQUEST_IDENTITY_PRIVATE_KEY_PEM_FILE`); the endpoint accepts only requests signed by
a key it knows (`publickeyv1_...` ids, given to `build_app(..., identity_keys=...)`, or through `RA_IDENTITY_KEYS`
to `python -m resilient_agents.engine`). Anything else, a direct `curl` at the endpoint included, gets 401.

    pair = generate_key_pair()
    pair.write(Path("secrets/restate-identity.pem"))     # for restate-server, mode 0600
    pair.public_key_id                                   # for the service: RA_IDENTITY_KEYS=publickeyv1_...

`resilient-agents keys generate` does the same from the command line.

`redact(text)` removes API keys from messages (provider errors can repeat the key they were sent), so that
they stay out of journals, logs and responses.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .exceptions import ConfigurationError

__all__ = [
    "IDENTITY_KEYS_ENV",
    "KEY_ID_PREFIX",
    "REDACTED",
    "SERVER_KEY_ENV",
    "KeyPair",
    "base58",
    "generate_key_pair",
    "identity_keys_from_env",
    "load_key_pair",
    "parse_identity_keys",
    "public_key_id",
    "redact",
    "secret_values",
    "server_signing_env",
]

KEY_ID_PREFIX = "publickeyv1_"
IDENTITY_KEYS_ENV = "RA_IDENTITY_KEYS"
"""The service process reads the accepted public key ids from here (comma or space separated)."""
SERVER_KEY_ENV = "RESTATE_WORKER__INVOKER__REQUEST_IDENTITY_PRIVATE_KEY_PEM_FILE"
"""restate-server reads the path of its signing key (PEM, ed25519) from here."""

_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_KEY_ID = re.compile(rf"^{KEY_ID_PREFIX}[{_BASE58_ALPHABET}]{{32,50}}$")


def base58(data: bytes) -> str:
    """Bitcoin-alphabet base58, the encoding of Restate's key ids (leading zero bytes become '1')."""
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(_BASE58_ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def public_key_id(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The `publickeyv1_...` id Restate uses for this key (base58 of the raw 32-byte public key)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KEY_ID_PREFIX + base58(raw)


@dataclass(frozen=True)
class KeyPair:
    """An ed25519 signing key for restate-server and the id the service endpoint accepts."""

    private_pem: bytes
    """PKCS#8 PEM, unencrypted: what restate-server reads. A secret: keep it out of the repository."""
    public_key_id: str
    """`publickeyv1_...`: not secret; give it to the service as `RA_IDENTITY_KEYS`."""

    def write(self, path: Path) -> Path:
        """Write the private key to `path`, readable by its owner only."""
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created 0600 from the start, so the secret is never readable by others, even briefly.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(self.private_pem)
        return path


def generate_key_pair() -> KeyPair:
    """A fresh ed25519 key pair (the same kind `openssl genpkey -algorithm ed25519` makes)."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return KeyPair(pem, public_key_id(private))


def load_key_pair(path: Path) -> KeyPair:
    """Read an ed25519 private key PEM (ours or openssl's) and compute its key id."""
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        reason = str(exc).split(".")[0]
        raise ConfigurationError(f"{path} is not a readable, unencrypted PEM private key ({reason})") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} holds a {type(private).__name__}; Restate signs with ed25519 keys only")
    return KeyPair(path.read_bytes(), public_key_id(private))


def parse_identity_keys(raw: str) -> list[str]:
    """Split a comma- or space-separated list of key ids, refusing anything that is not one."""
    keys = [k for k in re.split(r"[\s,]+", raw.strip()) if k]
    for key in keys:
        if not _KEY_ID.match(key):
            raise ConfigurationError(
                f"{IDENTITY_KEYS_ENV} holds {key[:24]!r}..., which is not a Restate key id: expected"
                f" {KEY_ID_PREFIX}<base58> (print yours with `resilient-agents keys show KEY.pem`)"
            )
    return keys


def identity_keys_from_env() -> list[str]:
    """The key ids in `RA_IDENTITY_KEYS`; empty means the endpoint accepts unsigned requests (development)."""
    return parse_identity_keys(os.environ.get(IDENTITY_KEYS_ENV, ""))


def server_signing_env(private_key_path: Path) -> dict[str, str]:
    """The restate-server setting that makes it sign its requests with this key."""
    return {SERVER_KEY_ENV: str(private_key_path.resolve())}


# --- secrets in messages ------------------------------------------------------------------------------------

_SECRET_ENV_NAME = re.compile(r"(API_KEY|_TOKEN|_SECRET|PASSWORD)$")
_SECRET_SHAPES = re.compile(
    r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-]{12,}"  # OpenAI, Anthropic (sk-ant-...), Stripe-like keys
    r"|\bBearer\s+[A-Za-z0-9_\-.=]{12,}"  # an Authorization header copied into a message
    r"|\bAIza[0-9A-Za-z_\-]{20,}"  # Google API keys
)
REDACTED = "[redacted]"


def secret_values() -> list[str]:
    """Values of environment variables named like secrets (`*API_KEY`, `*_TOKEN`, `*_SECRET`, `*PASSWORD`)."""
    values = {v for k, v in os.environ.items() if _SECRET_ENV_NAME.search(k.upper()) and len(v) >= 8}
    return sorted(values, key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with API keys removed: the values of secret-named environment variables, and anything shaped
    like a provider key or bearer token. For error messages that end up in journals, logs and responses."""
    for value in secret_values():
        text = text.replace(value, REDACTED)
    return _SECRET_SHAPES.sub(REDACTED, text)
