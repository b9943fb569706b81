"""The base every configuration section shares, and the tier lookup its validators use."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo

Tier = Literal["development", "production"]


class Section(BaseModel):
    """Base of every config section: unknown keys fail and values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def tier_of(info: ValidationInfo) -> Tier:
    """The environment's tier from the validation context; production when unknown (strictest)."""
    context = info.context or {}
    return "development" if context.get("tier") == "development" else "production"
