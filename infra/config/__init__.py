"""Typed per-environment configuration: the model and the loader that validates files."""

from infra.config.app_clients import AppClientConfig
from infra.config.environment import EnvironmentConfig
from infra.config.loader import ConfigError, known_environments, load_environment, load_environments
from infra.config.user_pool import UserPoolConfig

__all__ = [
    "AppClientConfig",
    "ConfigError",
    "EnvironmentConfig",
    "UserPoolConfig",
    "known_environments",
    "load_environment",
    "load_environments",
]
