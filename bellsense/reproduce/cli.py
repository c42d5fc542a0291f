"""The ``bellsense reproduce`` subcommand: ``--list``, or ``NAME [--out DIR] [--quick]``.

Exit codes: 0 when every claim agrees (rows flagged as the paper's own inconsistencies excepted);
1 when a claim disagrees; 2 for bad input (unknown name, ``--out`` an existing file, a paper not yet
available), with one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``reproduce`` on an ``argparse`` subparsers object; returns the new parser."""
    p = subparsers.add_parser(
        "reproduce", help="reproduce the figures and claims of a paper (see --list)",
        description="Reproduce the figures and main claims of one of the papers bellsense implements: a PNG and "
        "a JSON file (the plotted numbers) per figure, and a summary table (summary.json, summary.md) of the "
        "paper's claims against our numbers.")
    configure(p)
    return p


def configure(p: argparse.ArgumentParser) -> None:
    """The arguments of ``reproduce`` (shared by :func:`add_parser` and :func:`run_cli`)."""
    p.add_argument("name", metavar="NAME", nargs="?", help="paper name (see --list)")
    p.add_argument("--list", action="store_true", help="list the papers and exit")
    p.add_argument("--out", metavar="DIR", type=Path, help="output folder (default ./bellsense-runs/reproduce/NAME)")
    p.add_argument("--quick", action="store_true", help="smaller sizes (each paper under 2 minutes on 2 cores)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    from bellsense.cluster_spec import add_cluster_options

    add_cluster_options(p)  # --workers N, --scheduler ADDRESS, --scheduler-timeout S


def _list() -> str:
    from . import PAPERS

    lines = []
    for p in PAPERS.values():
        state = "available" if p.available else "not yet available"
        lines.append(f"{p.name:14s} {state:18s} {p.what}\n{'':33s}{p.citation}")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    """Run the parsed ``reproduce`` command; prints the summary table; returns the exit code."""
    from bellsense.errors import SetupError, SpecError

    from . import PAPERS, format_summary, reproduce

    if args.list:
        print(_list())
        return EXIT_OK
    if not args.name:
        print(f"bellsense reproduce: error: give a paper NAME or --list; allowed: {', '.join(PAPERS)}",
              file=sys.stderr)
        return EXIT_USAGE
    from bellsense.cluster_spec import IN_PROCESS, cluster_from_args, insecure_notice

    try:
        cluster = cluster_from_args(args)
    except ValueError as exc:  # --workers with --scheduler, a bad address
        print(f"bellsense reproduce: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if insecure_notice(cluster):
        print(f"bellsense reproduce: {insecure_notice(cluster)}", file=sys.stderr)
    try:
        result = reproduce(args.name, args.out, quick=args.quick, progress=not args.no_progress,
                           cluster=None if cluster.mode == IN_PROCESS else cluster)
    except (SpecError, SetupError) as exc:
        print(f"bellsense reproduce: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(format_summary(result.paper, result.rows))
    print(f"{len(result.figures)} figures, {len(result.data)} data files and the summary in {result.out_dir} "
          f"({result.seconds:.1f} s{', quick' if result.quick else ''})")
    return EXIT_OK if result.ok else EXIT_FAILURE


def run_cli(argv: Sequence[str] | None = None) -> int:
    """``python -m bellsense.reproduce.cli ...``: the subcommand on its own (argparse errors exit 2)."""
    parser = argparse.ArgumentParser(prog="bellsense reproduce")
    configure(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return main(args)


if __name__ == "__main__":
    sys.exit(run_cli())
