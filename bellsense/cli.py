"""The ``bellsense`` command: run, demo, report, fetch, status, check.

Exit codes: 0 on success; 2 for a usage, spec or credentials error (one line on
stderr, no traceback, nothing written); 1 for a run failure (one line; a record
already written with the job submissions stays, so ``bellsense fetch`` can
complete the run); 141 when stdout is a pipe closed early (``| head``), without a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
#: Output cut short by a closed pipe: the shell's 128 + SIGPIPE, as for any program killed by SIGPIPE.
EXIT_BROKEN_PIPE = 141


class UsageError(Exception):
    """A usage, spec or credentials problem: exit code 2 with one line."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (argparse's default prints the usage block too)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


#: Limits of --seed and --shots: equal to bellsense.spec.MAX_SEED and MAX_SHOTS (a test checks it); not
#: imported from there because bellsense.spec loads qiskit, which would slow down ``--help``.
_MAX_SEED, _MAX_SHOTS = 2**63 - 1, 10**8


def _int_at_least(minimum: int, maximum: int | None = None, spelled: str = ""):
    """An argparse type: an integer >= ``minimum`` (and <= ``maximum``, spelled ``spelled``)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be >= {minimum}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"{text!r} is above {spelled or maximum}; allowed: "
                                             f"an integer from {minimum} to {spelled or maximum}")
        return value

    return parse


def _folder(text: str) -> Path:
    """An argparse type: a folder path; '' is refused (it would silently mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; allowed: a folder path")
    return Path(text)


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", type=_folder,
                   help="output folder for record.json and the plots (default ./bellsense-runs/<timestamp>/)")
    p.add_argument("--backend", metavar="NAME",
                   help="overrides the spec: aer, aer:<method>, fake_<device>, ibm_<device> or ibm:least_busy")
    p.add_argument("--shots", metavar="N", type=_int_at_least(1, _MAX_SHOTS, "10**8"),
                   help="shots per circuit (overrides the spec)")
    p.add_argument("--seed", metavar="S", type=_int_at_least(0, _MAX_SEED, "2**63 - 1"),
                   help="simulator seed (overrides the spec)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-plots", action="store_true", help="write the record only")
    p.add_argument("--no-exact", action="store_true",
                   help="skip the exact reference values (the spec's [measure] exact = 'off'; the table shows n/a)")
    from .cluster_spec import add_cluster_options

    add_cluster_options(p)


def _cluster(args: argparse.Namespace, backend: str | None = None):
    """The ClusterSpec of ``--workers``/``--scheduler`` (or BELLSENSE_SCHEDULER); None for IBM hardware."""
    from .cluster_spec import IN_PROCESS, cluster_from_args, describe_ignored, insecure_notice

    try:
        cluster = cluster_from_args(args)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if cluster.mode == IN_PROCESS:
        return None
    if backend is not None and backend.startswith("ibm"):
        print(f"bellsense: {describe_ignored(cluster)}", file=sys.stderr)  # before any credentials check
        return None
    notice = insecure_notice(cluster)
    if notice:
        print(f"bellsense: {notice}", file=sys.stderr)
    return cluster


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bellsense", description="Quantum-sensing experiments on qubits: "
                     "measured against exact Fisher information, Bell correlators and Bell violations.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"bellsense {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("run", help="run an experiment spec (TOML)", description="Run the experiment of a TOML "
                       "spec: progress bar, a table per point, record.json and PNG plots in the output folder.")
    p.add_argument("spec", metavar="SPEC", type=Path, help="experiment spec (TOML); see examples/")
    _add_run_options(p)

    p = sub.add_parser("demo", help="GHZ against product states under dephasing (under a minute)",
                       description="The built-in demo: GHZ and product states, n = 2..6, local dephasing; "
                       "Fisher information (measured vs exact QFI/CFI) and the GHZ Bell correlator. "
                       "Writes its record and plots exactly like 'run'.")
    _add_run_options(p)

    p = sub.add_parser("report", help="re-analyse a record without re-running",
                       description="Re-analyse a record (record.json or its folder) from its counts and "
                       "metadata only; print the table and (re)draw the plots next to it.")
    p.add_argument("record", metavar="RECORD", type=Path, help="record.json or a run folder")
    p.add_argument("--no-plots", action="store_true", help="print the table only")
    p.add_argument("--out", metavar="DIR", type=_folder,
                   help="folder for the plots: new, empty, or the record's own (default: the record's folder)")

    p = sub.add_parser("fetch", help="complete an interrupted run from its record",
                       description="Collect the results of the jobs stored in a record (re-executing "
                       "local-mode fake-device jobs with their seed), then analyse and write the record.")
    p.add_argument("record", metavar="RECORD", type=Path, help="record.json or a run folder")
    p.add_argument("--no-plots", action="store_true", help="write the record only")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    from .cluster_spec import add_cluster_options

    add_cluster_options(p)

    p = sub.add_parser("status", help="show the state of a record's jobs",
                       description="Print the status of every job stored in a record.")
    p.add_argument("record", metavar="RECORD", type=Path, help="record.json or a run folder")

    p = sub.add_parser("check", help="validate a spec without running it",
                       description="Load and validate a TOML spec; print its points.")
    p.add_argument("spec", metavar="SPEC", type=Path, help="experiment spec (TOML)")

    from .reproduce.cli import add_parser as add_reproduce_parser

    add_reproduce_parser(sub)
    return parser


def _cmd_run(args: argparse.Namespace, spec) -> int:
    from . import report
    from .run import execute, prepare

    spec = spec.with_overrides(shots=args.shots, seed=args.seed, backend=args.backend)
    if args.no_exact:
        import dataclasses

        spec = dataclasses.replace(spec, measure=dataclasses.replace(spec.measure, exact="off"))
    cluster = _cluster(args, spec.run.backend)
    prepared = prepare(spec, out_dir=args.out, source=getattr(args, "spec", None))
    result = execute(prepared, progress=not args.no_progress, plots=not args.no_plots, cluster=cluster)
    print(report.format_table(result.record))
    print(f"record: {result.record_path}")
    for path in result.plots:
        print(f"plot:   {path}")
    return EXIT_OK if result.record.status == "complete" else EXIT_FAILURE


def _check_plot_folder(folder: Path, home: Path) -> None:
    """``report --out``: a new or empty folder, or the record's own; never a file or a user's folder."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {folder}: is a file; allowed: a folder (new, empty, or the record's own)")
    if folder.is_dir() and not folder.resolve() == home.resolve():
        entries = sorted(p.name for p in folder.iterdir())
        if entries:
            raise UsageError(f"--out {folder}: holds {entries[0]!r}, which the plots could overwrite; "
                             "allowed: a new or empty folder, or the record's own folder")


def _dispatch(args: argparse.Namespace) -> int:
    from .spec import SpecError

    if args.command == "reproduce":
        from .reproduce.cli import main as reproduce_main

        return reproduce_main(args)
    if args.command == "run":
        from .spec import load_spec

        return _cmd_run(args, load_spec(args.spec))
    if args.command == "demo":
        from .run import demo_spec

        return _cmd_run(args, demo_spec())
    if args.command == "check":
        from .run.feasible import describe, simulation_plan
        from .spec import load_spec

        spec = load_spec(args.spec)
        # SetupError (exit 2) if no simulation method handles a size, or the device cannot hold it
        feasible = simulation_plan(spec, source=str(args.spec))
        print(f"{args.spec}: valid spec {spec.name!r} with {len(spec.points())} points")
        for line in describe(spec, feasible):
            print(line)
        return EXIT_OK
    if args.command == "report":
        from . import record as rec
        from . import report

        try:
            data = rec.read(args.record)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        home = args.record if args.record.is_dir() else args.record.parent
        folder = args.out or home
        if not args.no_plots:
            _check_plot_folder(folder, home)  # before printing anything
        points = report.analyse(data)
        print(report.format_table(data, points))
        if not args.no_plots:
            from .plots import save_all

            for path in save_all(points, folder):
                print(f"plot:   {path}")
        return EXIT_OK
    if args.command == "fetch":
        from . import report
        from .run import fetch

        result = fetch(args.record, progress=not args.no_progress, plots=not args.no_plots, cluster=_cluster(args))
        print(report.format_table(result.record))
        print(f"record: {result.record_path}")
        return EXIT_OK if result.record.status == "complete" else EXIT_FAILURE
    if args.command == "status":
        from .run import status_lines

        for line in status_lines(args.record):
            print(line)
        return EXIT_OK
    raise SpecError(f"unknown command {args.command!r}")  # pragma: no cover - argparse guards this


_BLAS_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                 "openblas_set_num_threads64_", "openblas_set_num_threads")


def _single_threaded_blas() -> None:
    """Run the command's linear algebra on one BLAS thread (unless the user chose a thread count).

    The command works on small matrices (at most a few thousand rows), where BLAS threads
    bring little and, on a loaded machine, cost a lot: on the 2-core development machine a
    64 x 64 complex product took 39 ms with OpenBLAS threads and 0.13 ms without. numpy and
    scipy each bundle an OpenBLAS that is already loaded here, so the environment variables
    are too late; their ``*_set_num_threads`` entry points are called instead. This touches
    only the ``bellsense`` process, never a program that imports bellsense as a library.
    """
    import ctypes

    if any(os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "BELLSENSE_BLAS_THREADS")):
        return
    import scipy.linalg  # noqa: F401  (loads scipy's OpenBLAS so that it is configured too)

    try:
        with open("/proc/self/maps", encoding="ascii", errors="replace") as fh:
            paths = {parts[-1] for parts in map(str.split, fh)
                     if parts and "openblas" in parts[-1] and ".so" in parts[-1]}
    except OSError:  # not Linux: leave the defaults
        return
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _BLAS_SETTERS:
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(1)
                break


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's final flush does not fail on the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a real file (e.g. captured): nothing to flush
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bellsense`` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(f"bellsense: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    if args.command in ("run", "demo", "fetch", "report"):
        _single_threaded_blas()
    from .errors import RunFailure, SetupError, SpecError

    try:
        return _dispatch(args)
    except (UsageError, SetupError, SpecError) as exc:
        print(f"bellsense: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RunFailure as exc:
        print(f"bellsense: run failed: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:  # e.g. `bellsense status RUN | head -1`: the reader left, which is fine
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("bellsense: interrupted (a record written before the interrupt can be completed with "
              "'bellsense fetch')", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # anything else is a failure of the command, still one line
        if os.environ.get("BELLSENSE_DEBUG"):
            raise
        print(f"bellsense: failed: {type(exc).__name__}: {exc} (set BELLSENSE_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
