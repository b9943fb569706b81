"""GET /orders for callers whose Cognito access token has the scope orders/read (Django REST
framework), as a one-file Django project.

    pip install "cognito-tokens[drf]" gunicorn
    COGNITO_USER_POOL_ID=eu-west-1_AbCdEf123 COGNITO_CLIENT_ID=<OrdersWorkerClientId> \
        DJANGO_ALLOWED_HOSTS=orders.example.com gunicorn django_app:app
"""

import os

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.urls import path

if not settings.configured:
    settings.configure(
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(","),
        INSTALLED_APPS=["rest_framework"],
        # Cognito's tokens are the only credentials: no sessions, no django.contrib.auth.
        REST_FRAMEWORK={"UNAUTHENTICATED_USER": None},
        COGNITO_TOKENS_VERIFIER=f"{__name__}.verifier",
    )
    django.setup()

# Django REST framework reads the settings when imported.
from cognito_tokens import CognitoTokenVerifier
from cognito_tokens.drf import CognitoTokenAuthentication, require_scopes, token_claims
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

# COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID; COGNITO_JWKS_FILE for local runs and tests.
verifier = CognitoTokenVerifier.from_environment(token_use="access")


class Orders(APIView):
    authentication_classes = (CognitoTokenAuthentication,)
    permission_classes = (require_scopes("orders/read"),)

    def get(self, request: Request) -> Response:
        return Response({"sub": token_claims(request)["sub"]})


urlpatterns = [path("orders", Orders.as_view())]
app = get_wsgi_application()
