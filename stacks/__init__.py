"""Deployment units: thin compositions of infra constructs, one Stage per environment."""
