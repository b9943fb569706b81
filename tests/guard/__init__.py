"""Tests of the replacement guard (infra/guard)."""
