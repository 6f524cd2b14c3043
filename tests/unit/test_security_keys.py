"""Key ids are computed exactly as restate-server computes them; bad settings fail with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from resilient_agents import ConfigurationError
from resilient_agents.security import base58, load_key_pair, parse_identity_keys, redact

# A throwaway key made with `openssl genpkey -algorithm ed25519`; restate-server 1.7.12 logged this id for it.
OPENSSL_PEM = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEINzDvLKblzuIbgylBoR7BUecnCTC3/eTjGnKP3i0qZRD
-----END PRIVATE KEY-----
"""
SERVER_LOGGED_ID = "publickeyv1_9Pzzm5ZV6edpNXwXd3BnC3287UsEHYU56L7syisJo1tR"


def test_base58_matches_the_bitcoin_alphabet() -> None:
    assert base58(b"hello world") == "StV1DL6CwTryKyV"
    assert base58(b"\0\0\x01") == "112"
    assert base58(b"") == ""


def test_openssl_key_gets_the_id_restate_server_logs(tmp_path: Path) -> None:
    pem = tmp_path / "private.pem"
    pem.write_bytes(OPENSSL_PEM)
    assert load_key_pair(pem).public_key_id == SERVER_LOGGED_ID


def test_not_a_key_file_is_a_configuration_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("hello")
    with pytest.raises(ConfigurationError, match=r"junk\.pem"):
        load_key_pair(junk)


def test_identity_keys_are_parsed_and_checked() -> None:
    assert parse_identity_keys(f" {SERVER_LOGGED_ID}, {SERVER_LOGGED_ID} ") == [SERVER_LOGGED_ID] * 2
    assert parse_identity_keys("") == []
    with pytest.raises(ConfigurationError, match="RA_IDENTITY_KEYS"):
        parse_identity_keys("publickeyv1_0OIl")


def test_redact_removes_secret_env_values_and_key_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_PROVIDER_API_KEY", "plain-looking-value-123")
    text = (
        "bad key plain-looking-value-123; also sk-proj-abcdefghijklmnop and sk-ant-api03-XYZXYZXYZXYZXYZ, "
        "header Bearer abcdefghijklmnopqrstuv, short sk-12"
    )
    cleaned = redact(text)
    for secret in ("plain-looking-value-123", "sk-proj-abcdefghijklmnop", "sk-ant-api03", "abcdefghijklmnopqrstuv"):
        assert secret not in cleaned
    assert cleaned.count("[redacted]") == 4
    assert "short sk-12" in cleaned, "short ordinary words are left alone"
