"""Typed per-environment configuration: the model and the loader that validates files."""

from infra.config.loader import ConfigError, known_environments, load_environment, load_environments
from infra.config.model import AppClientConfig, EnvironmentConfig, UserPoolConfig

__all__ = [
    "AppClientConfig",
    "ConfigError",
    "EnvironmentConfig",
    "UserPoolConfig",
    "known_environments",
    "load_environment",
    "load_environments",
]
