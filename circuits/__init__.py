"""bellsense.circuits layer."""
