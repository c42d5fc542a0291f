"""The common result of a paper reproduction, and the writers for its figures and summary table.

Each figure is written as ``<stem>.png`` (a ``matplotlib.figure.Figure``, no pyplot state) and
``<stem>.json`` (the plotted numbers); the summary table as ``summary.json`` and ``summary.md``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure


@dataclass(frozen=True)
class SummaryRow:
    """One line of the summary table: a claim of the paper, its value there, ours, and whether they agree.

    ``flagged`` marks a claim where the paper contradicts itself (``note`` says how); such a row is
    reported with ``agreement = False`` but does not make the reproduction fail.
    """

    claim: str
    paper: str
    ours: str
    agreement: bool
    note: str = ""
    flagged: bool = False


@dataclass(frozen=True)
class PaperOutput:
    """What one paper module's ``run`` returns: files written, summary rows, extra numbers."""

    figures: tuple[Path, ...]
    data: tuple[Path, ...]
    rows: tuple[SummaryRow, ...]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReproResult:
    """What ``bellsense reproduce NAME`` produced."""

    paper: str
    out_dir: Path
    figures: tuple[Path, ...]
    data: tuple[Path, ...]
    rows: tuple[SummaryRow, ...]
    summary_json: Path
    summary_md: Path
    quick: bool
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """All claims agree, except rows flagged as the paper's own inconsistencies."""
        return all(r.agreement or r.flagged for r in self.rows)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        val = float(obj)
        return val if math.isfinite(val) else str(val)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(path: Path, payload: Any) -> Path:
    """Write ``payload`` (numpy arrays and scalars allowed; non-finite floats as strings) as JSON."""
    path.write_text(json.dumps(_jsonable(payload), indent=2) + "\n")
    return path


def write_figure(fig: Figure, data: dict[str, Any], out_dir: Path, stem: str) -> tuple[Path, Path]:
    """Save ``fig`` as ``<stem>.png`` and the plotted numbers ``data`` as ``<stem>.json``."""
    png = out_dir / f"{stem}.png"
    fig.savefig(png, dpi=120, bbox_inches="tight")
    return png, write_json(out_dir / f"{stem}.json", data)


def format_summary(paper: str, rows: tuple[SummaryRow, ...] | list[SummaryRow]) -> str:
    """The summary table as Markdown (also what the command prints)."""
    lines = [f"## {paper}: paper against bellsense", "", "| claim | paper | ours | agrees | note |",
             "|---|---|---|---|---|"]
    for r in rows:
        mark = "FLAGGED" if r.flagged else ("yes" if r.agreement else "NO")
        cells = [r.claim, r.paper, r.ours, mark, r.note]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def write_summary(out_dir: Path, paper: str, rows: tuple[SummaryRow, ...], meta: dict[str, Any]) -> tuple[Path, Path]:
    """``summary.json`` (rows and run metadata) and ``summary.md`` (the table)."""
    js = write_json(out_dir / "summary.json", {"paper": paper, **meta, "rows": [asdict(r) for r in rows]})
    md = out_dir / "summary.md"
    md.write_text(format_summary(paper, rows))
    return js, md


def fmt(value: float, digits: int = 4) -> str:
    """A number for the summary table (``digits`` significant digits)."""
    return f"{value:.{digits}g}"


__all__ = ["SummaryRow", "PaperOutput", "ReproResult", "write_json", "write_figure", "format_summary", "write_summary",
           "fmt"]
