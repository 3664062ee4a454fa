"""Signatures: the header format, a known vector, and the guide's verifier on forged input."""

from __future__ import annotations

import hashlib
import hmac

from server.webhooks.signing import new_secret, shown_prefix, signature_header
from tests.support.webhooks import verify_function

BODY = b'{"id":"e1","type":"client.created"}'


def test_header_is_t_and_hex_hmac_of_t_dot_body() -> None:
    """The header is `t=<t>,v1=<HMAC-SHA256(secret, "<t>.<body>")>` in lower-case hex."""
    expected = hmac.new(b"wsk_k", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signature_header("wsk_k", 1700000000, BODY) == f"t=1700000000,v1={expected}"


def test_secrets_are_fresh_and_prefixed() -> None:
    """Secrets start with `wsk_`, differ each time, and only a short prefix is shown again."""
    one, two = new_secret(), new_secret()
    assert one.startswith("wsk_")
    assert two.startswith("wsk_")
    assert one != two
    assert len(one) >= 36
    assert shown_prefix(one) == one[:10]
    assert shown_prefix(one) != one


def test_guide_verifier_accepts_a_fresh_signature() -> None:
    """docs/webhooks.md's function accepts what the sender signs, at the same moment."""
    verify = verify_function()
    assert verify("wsk_k", signature_header("wsk_k", 1700000000, BODY), BODY, now=1700000100)


def test_guide_verifier_rejects_forgeries_and_stale_signatures() -> None:
    """Another body, another secret, a `t` over 300 s old and garbage headers are refused."""
    verify = verify_function()
    header = signature_header("wsk_k", 1700000000, BODY)
    assert not verify("wsk_k", header, BODY + b" ", now=1700000000)
    assert not verify("wsk_other", header, BODY, now=1700000000)
    assert not verify("wsk_k", header, BODY, now=1700000301)
    assert not verify("wsk_k", "v1=abc", BODY, now=1700000000)
    assert not verify("wsk_k", "t=soon,v1=abc", BODY, now=1700000000)
