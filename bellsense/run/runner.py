"""The runner: spec -> circuits + exact values -> submitted jobs -> record -> analysis -> plots.

A run has two phases, kept apart so that the command's exit codes mean something:

* :func:`~bellsense.run.setup.prepare` (:class:`SetupError`, exit code 2): platform, output
  folder, plans, circuits. Nothing is written if it fails.
* :func:`execute` (:class:`RunFailure`, exit code 1): exact reference values, submission (the
  record is written with the job submissions *before* waiting), collection, analysis
  (:func:`bellsense.report.analyse`, a pure function of the record) and plots.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from ..errors import RunFailure, SetupError
from ..noise import NoiseSpec
from ..record import RECORD_NAME, write
from ..spec import ExperimentSpec
from .build import bind_working_point
from .collect import collect_all, finish
from .exact import exact_point
from .setup import Prepared, RunResult, is_device, prepare, remove_created
from .submit import record_skeleton, submit_all

__all__ = ["execute", "run_experiment", "progress_bar"]


def progress_bar(total: int, enabled: bool) -> Any:
    """A tqdm bar over the run's steps (disabled: a no-op bar)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc="bellsense", unit="step", leave=False,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}] {postfix}")


def execute(prepared: Prepared, *, progress: bool = True, plots: bool = True,
            stop_after_submit: bool = False) -> RunResult:
    """Run a prepared experiment: exact values, submission, record, collection, analysis, plots.

    ``stop_after_submit`` returns right after the record with the submissions is written (what
    an interrupted run leaves behind; :func:`bellsense.run.fetch.fetch` completes it).

    Raises
    ------
    RunFailure
        Any failure after preparation; a record already written stays for ``fetch``.
    """
    spec = prepared.spec
    path = prepared.out_dir / RECORD_NAME
    written = False
    try:
        with progress_bar(len(prepared.plans) + 2, progress) as bar:
            # On a device the spec's [noise] does not act (the device's own noise does): the exact
            # reference is then noiseless, and the device-noise values come with the submission.
            exact_spec = dataclasses.replace(spec, noise=NoiseSpec()) if is_device(prepared.platform) else spec
            plans, exact = [], []
            jobs = list(prepared.jobs)
            for plan in prepared.plans:
                bar.set_postfix_str(f"exact {plan.state} n={plan.n} t={plan.t:g}")
                plan, entry = exact_point(exact_spec, plan)
                plans.append(plan)
                exact.append(entry)
                jobs = bind_working_point(spec, plan, jobs)
                bar.update(1)
            prepared = dataclasses.replace(prepared, plans=tuple(plans), jobs=tuple(jobs))
            bar.set_postfix_str("submitting")
            submissions, record = submit_all(prepared, jobs, record_skeleton(prepared, exact))
            write(path, record)  # the job record first: nothing submitted is ever lost
            written = True
            bar.update(1)
            if stop_after_submit:
                return RunResult(path, record)
            bar.set_postfix_str("collecting")
            record = collect_all(prepared.platform, spec, submissions, record)
            bar.update(1)
        return finish(record, prepared.out_dir, plots)
    except (SetupError, RunFailure):
        raise
    except Exception as exc:  # one line for the user; the record (if written) stays for fetch
        if not written:
            remove_created(prepared)
        if os.environ.get("BELLSENSE_DEBUG"):
            raise
        raise RunFailure(f"{type(exc).__name__}: {exc}") from exc


def run_experiment(spec: ExperimentSpec, out_dir: str | Path | None = None, *, progress: bool = False,
                   plots: bool = True, sampler: Any = None) -> RunResult:
    """Python entry point: :func:`prepare` then :func:`execute` (``bellsense run`` without the table).

    ``sampler``: any ``qiskit.primitives.BaseSamplerV2`` (e.g. ``qiskit_aer.primitives.SamplerV2``,
    or a runtime sampler in a ``Batch``) instead of ``spec.run.backend``; the record has the same
    shape. A spec with ``[noise]`` is refused with a user sampler (:class:`SetupError`): put the
    noise in the sampler's own configuration.
    """
    return execute(prepare(spec, out_dir, sampler=sampler), progress=progress, plots=plots)
