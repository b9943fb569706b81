"""GET /orders for callers whose Cognito access token has the scope orders/read (Flask).

    pip install "cognito-tokens[flask]" gunicorn
    COGNITO_USER_POOL_ID=eu-west-1_AbCdEf123 COGNITO_CLIENT_ID=<OrdersWorkerClientId> \
        gunicorn flask_app:app
"""

from cognito_tokens import CognitoTokenVerifier
from cognito_tokens.flask import CognitoAuth
from flask import Flask, g

# COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID; COGNITO_JWKS_FILE for local runs and tests.
verifier = CognitoTokenVerifier.from_environment(token_use="access")
app = Flask(__name__)
auth = CognitoAuth(verifier, app)


@app.get("/orders")
@auth.require(scopes="orders/read")
def orders() -> dict[str, str]:
    return {"sub": g.cognito_claims["sub"]}
