"""Aer execution: exact noisy states and probabilities, seeded sampling, method choice."""

__all__: list[str] = []
