"""Exact metrology quantities on states (vectors, density matrices, Dicke-basis states)."""

__all__: list[str] = []
