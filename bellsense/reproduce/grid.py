"""Grids of a paper's figure as tasks: one task per grid cell or per (N, parameter) curve.

A paper module describes each cell as a small JSON dict (its parameters) and computes it with a
module-level function ``fn(cell, seed) -> JSON value`` (the workers import it by name). Its
``run(out_dir, quick, progress, cluster=None)`` passes ``cluster`` on to :func:`map_cells`, which runs the
cells through :func:`bellsense.cluster.run_tasks`: in-process without a cluster (no Dask import),
else on the cluster ``bellsense reproduce NAME --workers N`` / ``--scheduler ADDRESS`` opened for the
whole paper. A cell's seed is ``task_seed(run_seed, key)`` with the key made of the grid's name and
the cell's parameters, so a grid gives the same numbers wherever and in whatever order its cells run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["cell_key", "map_cells"]


def cell_key(grid: str, cell: Mapping[str, Any]) -> str:
    """``"<grid>/<cell as sorted compact JSON>"``: the identity (and seed) of a cell."""
    if not isinstance(grid, str) or not grid.strip():
        raise ValueError(f"grid must be a non-empty name such as 'takahashi2025/aer_gains', got {grid!r}")
    return f"{grid.strip()}/{json.dumps(dict(cell), sort_keys=True, separators=(',', ':'))}"


def map_cells(grid: str, cells: Sequence[Mapping[str, Any]], fn: Callable[[dict[str, Any], int], Any], *,
              cluster: Any = None, run_seed: int = 0, progress: bool = False) -> list[Any]:
    """``[fn(cell, seed) for cell in cells]``, one task per cell, in-process or on ``cluster``; values in order.

    Parameters
    ----------
    grid : str
        The grid's name (``"<paper>/<figure or quantity>"``), part of every cell's key.
    cells : sequence of dict
        Distinct JSON cells (a repeated cell is refused: its key would repeat).
    fn : callable
        Module-level ``fn(cell, seed)`` returning JSON-native values (lists, not arrays).
    cluster : ClusterSpec or ClusterSession, optional
        None: in-process, in order.
    run_seed : int
        Seeds of the cells (only cells that draw random numbers use theirs).
    progress : bool
        A tqdm bar over the cells.
    """
    from bellsense.cluster import Task, run_tasks

    tasks = [Task(cell_key(grid, cell), dict(cell)) for cell in cells]
    return [r.value for r in run_tasks(tasks, fn, run_seed=run_seed, cluster=cluster, progress=progress)]
