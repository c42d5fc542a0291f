"""Hardware-facing public names (resolution by name, layouts, job records), re-exported by bellsense.backends."""

__all__: list[str] = []
