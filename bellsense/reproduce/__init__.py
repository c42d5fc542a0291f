"""``bellsense reproduce``: the figures and main claims of the four papers bellsense implements, one command each.

Every reproduction writes, into its output folder, one PNG and one JSON file (the plotted numbers)
per figure, and a summary table (``summary.json``, ``summary.md``) of the paper's claims against
our numbers. ``quick=True`` uses smaller sizes (each paper well under 2 minutes on 2 cores).

    from bellsense.reproduce import reproduce
    result = reproduce("takahashi2025", "out/takahashi", quick=True)
    print(result.ok, [r.claim for r in result.rows])
"""

from __future__ import annotations

import importlib
import inspect
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bellsense.errors import SetupError, SpecError

from .result import ReproResult, SummaryRow, format_summary, write_summary


@dataclass(frozen=True)
class Paper:
    """A registered paper: its CLI name, citation, what is reproduced, and its module (None: not yet)."""

    name: str
    citation: str
    what: str
    module: str | None = None
    missing: str = ""

    @property
    def available(self) -> bool:
        return self.module is not None


PAPERS: dict[str, Paper] = {
    p.name: p
    for p in (
        Paper(
            "niezgoda2021",
            "A. Niezgoda and J. Chwedenczuk, Many-Body Nonlocality as a Resource for Quantum-Enhanced "
            "Metrology, Phys. Rev. Lett. 126, 210506 (2021), arXiv:2011.06612",
            "Figs. 1-3: QFI/N and Bell-correlation depth of the Ising chain and the two-mode model",
            module="bellsense.reproduce.niezgoda2021",
        ),
        Paper(
            "proctor2018",
            "T. J. Proctor, P. A. Knott and J. A. Dunningham, Multiparameter Estimation in Networked Quantum "
            "Sensors, Phys. Rev. Lett. 120, 080501 (2018), arXiv:1702.04271",
            "GHZ-like vs sensor-separable bounds, the 1/d law, the gradient example from counts",
            module="bellsense.reproduce.proctor2018",
        ),
        Paper(
            "takahashi2025",
            "N. Takahashi, L. B. Ho and H. Matsueda, Trade-off relation between integrated metrological gain "
            "and local dissipation in magnetic-field sensing by quantum spin ensemble, arXiv:2512.21661 (2025)",
            "G(t) under dephasing and emission, integrated gain, crossover time, imbalanced qubit, per-qubit rates",
            module="bellsense.reproduce.takahashi2025",
        ),
        Paper(
            "marconi2022",
            "C. Marconi, A. Riera-Campeny, A. Sanpera and A. Aloy, Robustness of non-locality in many-body "
            "open quantum systems, arXiv:2202.12079 (2022)",
            "Figs. 1-4: two-body PI Bell violation of the LMG model in open dynamics",
            module="bellsense.reproduce.marconi2022",
        ),
        Paper(
            "bounds",
            "R. Demkowicz-Dobrzanski, J. Kolodynski and M. Guta, The elusive Heisenberg limit in quantum-enhanced "
            "metrology, Nat. Commun. 3, 1063 (2012), arXiv:1201.3940; QMetro++ (qmetro 1.1.2) anchor",
            "QFI/N vs N under local noise: |+>^N, GHZ, best one-axis-twisted, optimal symmetric probe, CE bound",
            module="bellsense.reproduce.bounds",
        ),
    )
}


def get_paper(name: str) -> Paper:
    """The registered paper ``name``; ``SpecError`` naming the allowed names otherwise."""
    if name not in PAPERS:
        raise SpecError(f"unknown paper {name!r}; allowed: {', '.join(PAPERS)}")
    return PAPERS[name]


def _out_dir(out: str | Path | None, name: str) -> Path:
    path = Path(out) if out is not None else Path("bellsense-runs") / "reproduce" / name
    if path.exists() and not path.is_dir():
        raise SetupError(f"--out {str(path)!r} is an existing file; give a folder (it is created if missing)")
    path.mkdir(parents=True, exist_ok=True)
    return path


def reproduce(name: str, out: str | Path | None = None, quick: bool = False, progress: bool = True,
              cluster: Any = None) -> ReproResult:
    """Reproduce paper ``name`` into ``out`` (default ``./bellsense-runs/reproduce/<name>``, git-ignored).

    ``cluster``: a ``bellsense.cluster.ClusterSpec`` or open ``ClusterSession`` where the paper's grid
    cells run (papers whose ``run`` takes ``cluster``, through :func:`bellsense.reproduce.grid.map_cells`);
    None: in-process. One cluster serves the whole paper.

    Raises
    ------
    SpecError
        Unknown name.
    SetupError
        The paper is registered but not yet available (the message names what is missing), or
        ``out`` is an existing file.
    """
    paper = get_paper(name)
    if not paper.available:
        raise SetupError(f"{name} is not yet available: it needs {paper.missing}")
    out_dir = _out_dir(out, name)
    module = importlib.import_module(str(paper.module))
    start = time.perf_counter()
    if cluster is None or "cluster" not in inspect.signature(module.run).parameters:
        output = module.run(out_dir, quick=quick, progress=progress)
    else:
        from bellsense.cluster import use_cluster

        with use_cluster(cluster) as session:
            output = module.run(out_dir, quick=quick, progress=progress, cluster=session)
    seconds = time.perf_counter() - start
    rows = tuple(output.rows)
    meta = {"citation": paper.citation, "quick": quick, "seconds": seconds,
            "figures": [p.name for p in output.figures], "data": [p.name for p in output.data]}
    js, md = write_summary(out_dir, name, rows, meta)
    return ReproResult(name, out_dir, tuple(output.figures), tuple(output.data), rows, js, md, quick, seconds,
                       dict(output.extra))


__all__ = ["Paper", "PAPERS", "get_paper", "reproduce", "ReproResult", "SummaryRow", "format_summary"]
