"""One exception class per reason a token is rejected, all under `TokenVerificationError`.

Messages say what was expected, never what the token contained: a token (or a claim copied from
it) in a log line is a credential leak, and attacker-chosen text in logs is an injection vector.
"""

from __future__ import annotations


class TokenVerificationError(Exception):
    """The token must not be trusted. Base class of every rejection."""


class MalformedToken(TokenVerificationError):
    """Not a compact JWS with a JSON object header and payload, or a claim of the wrong type."""


class UnsupportedAlgorithm(TokenVerificationError):
    """The header's `alg` is missing, not the JWK's own algorithm, or not an asymmetric one."""


class UnknownKey(TokenVerificationError):
    """The header's `kid` is not in the pool's JWKS (also after one refetch)."""


class InvalidKey(TokenVerificationError):
    """The JWK the token names cannot verify signatures (wrong `kty`/`use`, missing members)."""


class InvalidSignature(TokenVerificationError):
    """The signature does not verify with the pool's key."""


class JwksUnavailable(TokenVerificationError):
    """The pool's JWKS could not be fetched or parsed: a failure on the server's side (503)."""


class MissingClaim(TokenVerificationError):
    """A claim this verifier requires (`exp`) is absent."""


class TokenExpired(TokenVerificationError):
    """`exp` is in the past (beyond the leeway)."""


class TokenNotYetValid(TokenVerificationError):
    """`nbf` or `iat` is in the future (beyond the leeway)."""


class WrongIssuer(TokenVerificationError):
    """`iss` is not this user pool."""


class WrongTokenUse(TokenVerificationError):
    """`token_use` is missing or not the kind this verifier accepts (`id` or `access`)."""


class WrongClient(TokenVerificationError):
    """The app client (`aud` of ID tokens, `client_id` of access tokens) is not an allowed one."""


class MissingScope(TokenVerificationError):
    """None of the required scopes is in the token's `scope` claim."""


class NotInGroup(TokenVerificationError):
    """None of the required groups is in the token's `cognito:groups` claim."""
