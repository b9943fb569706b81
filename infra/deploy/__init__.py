"""The deploy path: checks that run before the CDK CLI touches an account, and the templates
an environment has deployed (the baseline the deploy workflow guards against)."""
