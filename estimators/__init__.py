"""bellsense.estimators layer."""
