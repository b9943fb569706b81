"""Constructs: one concern each, built from typed config, exposing the L2 objects they create."""
