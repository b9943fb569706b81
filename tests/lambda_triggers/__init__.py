"""Tests of the Cognito Lambda trigger runtime code (lambda_triggers/)."""
