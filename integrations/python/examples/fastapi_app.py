"""GET /orders for callers whose Cognito access token has the scope orders/read (FastAPI).

    pip install "cognito-tokens[fastapi]" uvicorn
    COGNITO_USER_POOL_ID=eu-west-1_AbCdEf123 COGNITO_CLIENT_ID=<OrdersWorkerClientId> \
        uvicorn fastapi_app:app
"""

from typing import Annotated

from cognito_tokens import CognitoTokenVerifier
from cognito_tokens.fastapi import Claims, CognitoBearer
from fastapi import Depends, FastAPI

# COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID; COGNITO_JWKS_FILE for local runs and tests.
verifier = CognitoTokenVerifier.from_environment(token_use="access")
bearer = CognitoBearer(verifier)
app = FastAPI()


@app.get("/orders")
async def orders(
    claims: Annotated[Claims, Depends(bearer.require(scopes="orders/read"))],
) -> dict[str, str]:
    return {"sub": claims["sub"]}
