"""Counts -> estimates with standard errors."""

__all__: list[str] = []
