"""`make package-check`: run with the python of a fresh venv where only `pip install
./integrations/python` happened. Proves the installed package (not the repository's source)
imports with its declared dependencies and verifies and rejects tokens.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import cognito_tokens
from cognito_tokens import CognitoTokenVerifier, TokenVerificationError, WrongTokenUse
from tokenkit import CLIENT_ID, POOL_ID, Keys, access_claims, header, id_claims, mint


def main() -> int:
    installed_from = Path(cognito_tokens.__file__).resolve()
    site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
    if site_packages not in installed_from.parents:
        print(f"cognito_tokens imported from {installed_from}, not {site_packages}")
        return 1
    keys = Keys.generate()
    verifier = CognitoTokenVerifier(
        POOL_ID, client_ids=CLIENT_ID, token_use="access", jwks=keys.jwks()
    )
    claims = verifier.verify(mint(header(), access_claims(), keys.signing))
    try:
        verifier.verify(mint(header(), id_claims(), keys.signing))
    except WrongTokenUse:
        pass
    else:
        print("an ID token was accepted as an access token")
        return 1
    try:
        verifier.verify(mint(header(), access_claims(), keys.attacker))
    except TokenVerificationError:
        pass
    else:
        print("a token signed with a foreign key was accepted")
        return 1
    print(
        f"cognito-tokens {cognito_tokens.__version__} from {installed_from.parent}: "
        f"verified {claims['sub']}, rejected an ID token and a forged one"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
