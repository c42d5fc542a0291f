"""Shared pytest configuration: a non-interactive matplotlib backend and a fixed seed."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
