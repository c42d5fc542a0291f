"""bellsense.noise layer."""
