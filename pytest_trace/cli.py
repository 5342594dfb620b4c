"""``pytest-trace``: review the fix branches ``pytest --trace-optimize`` made.

    pytest-trace list                  the fix branches: status (fixed, plausible, partial),
                                       age, tests, parameters, base
    pytest-trace show BRANCH           why a fix is only plausible, diff, rationale, tests,
                                       trajectory, trace graph
    pytest-trace apply BRANCH          bring the fix into the current branch
    pytest-trace drop BRANCH           delete a fix branch and its record
    pytest-trace prune --merged        delete fix branches already in the current branch
    pytest-trace prune --older-than 14d

Exit status: 0 done; 1 refused or failed (no such branch, a dirty tree, a conflict);
2 bad usage, or not in a git repository.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pytest_trace import __version__

if TYPE_CHECKING:
    import git

OK, FAILED, USAGE = 0, 1, 2


def _duration(text: str) -> float:
    from pytest_trace.vcs.review import parse_duration

    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pytest-trace",
        description="Review the trace-fix/... branches that `pytest --trace-optimize` made.",
        epilog="Exit status: 0 done; 1 refused or failed; 2 bad usage or no git repository.",
    )
    parser.add_argument("--version", action="version", version=f"pytest-trace {__version__}")
    parser.add_argument(
        "-C", dest="directory", type=Path, default=Path("."), help="run in DIRECTORY"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "list",
        help="the fix branches: status (fixed, plausible, partial), age, tests fixed, "
        "parameters, base",
    )
    show = commands.add_parser("show", help="a fix: diff, rationale, tests, trajectory, graph")
    show.add_argument("branch", metavar="BRANCH", help="a fix branch, or the id of a record")
    show.add_argument(
        "--candidates", action="store_true", help="every candidate tested, with its feedback"
    )
    show.add_argument("--color", action="store_true", help="color the diff")
    apply = commands.add_parser("apply", help="bring a fix into the current branch")
    apply.add_argument("branch", metavar="BRANCH")
    drop = commands.add_parser("drop", help="delete a fix branch and its record")
    drop.add_argument("branch", metavar="BRANCH")
    prune = commands.add_parser(
        "prune", help="delete fix branches that are merged or old, with their records"
    )
    prune.add_argument(
        "--merged", action="store_true", help="fix branches already in the current branch"
    )
    prune.add_argument(
        "--older-than",
        type=_duration,
        metavar="AGE",
        help="fix branches (and records) older than AGE: 14d, 12h, 2w, 30m",
    )
    prune.add_argument(
        "-n", "--dry-run", action="store_true", help="say what would be deleted, delete nothing"
    )
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "prune" and not args.merged and args.older_than is None:
        parser.error("prune needs --merged, --older-than AGE, or both")
    from pytest_trace.vcs import fixes
    from pytest_trace.vcs import git as vcs

    try:
        repo = vcs.open_repo(args.directory)
    except vcs.VcsError as error:
        _error(error)
        return USAGE
    try:
        with repo:
            return _run(args, repo, out)
    except (fixes.FixError, vcs.VcsError) as error:
        _error(error)
        return FAILED


def _error(error: Exception) -> None:
    text = str(error)
    print(text if text.startswith("pytest-trace") else f"pytest-trace: {text}", file=sys.stderr)


def _run(args: argparse.Namespace, repo: git.Repo, out: TextIO) -> int:
    from pytest_trace.vcs import fixes, review

    def say(*lines: str) -> None:
        for line in lines:
            print(line, file=out)

    if args.command == "list":
        say(*review.list_lines(fixes.fix_branches(repo), time.time()))
        say(*review.orphan_lines(fixes.orphan_records(repo)))
    elif args.command == "show":
        record = (
            None if args.branch.startswith("trace-fix/") else fixes.find_record(repo, args.branch)
        )
        if record is not None:
            say(*review.record_lines(record))
            if args.candidates:
                say("", *review.candidate_lines(record))
            return OK
        branch = fixes.find_branch(repo, args.branch)
        if args.candidates:
            if branch.record is None:
                raise fixes.FixError(f"{branch.name} has no record of its candidates")
            say(f"candidates of {branch.name} ({branch.record.ref}):")
            say(*review.candidate_lines(branch.record))
        else:
            color = args.color and "NO_COLOR" not in os.environ
            say(*review.show_lines(branch, fixes.diff(repo, branch, color)))
    elif args.command == "apply":
        branch = fixes.find_branch(repo, args.branch)
        say(fixes.apply(repo, branch))
    elif args.command == "drop":
        branch = fixes.find_branch(repo, args.branch)
        refs = fixes.drop(repo, branch)
        say(f"dropped {branch.name} (was {branch.tip[:12]})")
        say(*(f"  deleted {ref}" for ref in refs[1:]))
    elif args.command == "prune":
        pruned = fixes.prune(
            repo, merged=args.merged, older_than=args.older_than, dry_run=args.dry_run
        )
        verb = "would delete" if args.dry_run else "deleted"
        if not pruned.branches and not pruned.records:
            say("nothing to prune")
        say(*(f"{verb} {name}" for name in pruned.branches))
        say(*(f"{verb} {ref}" for ref in pruned.records))
    return OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
