"""bellsense.backends layer."""
