"""The experiment runner, one job per module.

* :mod:`~bellsense.run.plan`: the points of a spec and their readouts (:func:`plan_points`);
* :mod:`~bellsense.run.build`: every circuit, built once, and the window noise per (n, t);
* :mod:`~bellsense.run.exact`: exact reference values (:func:`exact_point`);
* :mod:`~bellsense.run.setup`: checks before running (:func:`prepare`);
* :mod:`~bellsense.run.submit` / :mod:`~bellsense.run.collect`: submission and collection;
* :mod:`~bellsense.run.tasks` / :mod:`~bellsense.run.distributed`: one task per point's exact reference
  and per point's Aer simulation, run in-process or on a Dask cluster, results appended to
  ``results.jsonl`` (``bellsense.cluster``);
* :mod:`~bellsense.run.runner`: :func:`execute` and :func:`run_experiment`;
* :mod:`~bellsense.run.fetch`: :func:`fetch` and :func:`status_lines` from a record.
"""

from .build import CircuitJob, point_circuits
from .exact import exact_point
from .fetch import fetch, status_lines
from .plan import PointPlan, demo_spec, plan_points
from .runner import execute, run_experiment
from .setup import Prepared, RunResult, prepare

__all__ = [
    "PointPlan",
    "plan_points",
    "demo_spec",
    "CircuitJob",
    "point_circuits",
    "exact_point",
    "Prepared",
    "RunResult",
    "prepare",
    "execute",
    "run_experiment",
    "fetch",
    "status_lines",
]
