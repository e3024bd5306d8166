"""The command line: `python -m toolshare_core COMMAND` (spec/DOMAIN.md, 'Command line').

User errors (bad input, an unreachable database) print one line on stderr and exit 2;
nothing is half-written, because every command writes in one transaction or to a temp file.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from sqlalchemy.exc import OperationalError

from toolshare_core.errors import ToolShareError

Handler = Callable[[argparse.Namespace], int]
EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in the same one-line style as domain errors."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see --help)\n")


def _cmd_migrate(args: argparse.Namespace) -> int:
    from toolshare_core import migrate
    from toolshare_core.config import get_settings
    from toolshare_core.db import check_connection, describe, get_engine

    settings = get_settings()
    engine = get_engine(settings)
    check_connection(engine)
    before, after = migrate.upgrade(engine, settings.toolshare_schema)
    where = f"{describe(engine)} schema {settings.toolshare_schema}"
    if before == after:
        print(f"{where}: already at {after}")
    else:
        print(f"{where}: migrated {before or 'empty'} -> {after}")
    return 0


def _cmd_seed(args: argparse.Namespace) -> int:
    from toolshare_core import seed
    from toolshare_core.config import get_settings
    from toolshare_core.db import check_connection, get_engine

    scale = seed.parse_scale(args.scale)
    settings = get_settings()
    engine = get_engine(settings)
    check_connection(engine)
    summary = seed.seed_database(
        engine, schema=settings.toolshare_schema, scale=scale, seed=args.seed,
        force=args.force, progress=_progress_printer(args.quiet),
    )
    print(summary.describe())
    return 0


def _progress_printer(quiet: bool) -> Callable[[str], None]:
    def show(message: str) -> None:
        if not quiet:
            print(message, file=sys.stderr, flush=True)

    return show


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m toolshare_core",
        description="ToolShare: the core commands (the dashboard is not needed for these). "
        "The database comes from DATABASE_URL; without it the embedded PostgreSQL is used.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    migrate = commands.add_parser(
        "migrate", help="bring the schema to the current version (safe to re-run)",
        description="Create or upgrade the ToolShare tables in TOOLSHARE_SCHEMA. Idempotent.",
    )
    migrate.set_defaults(handler=_cmd_migrate)

    seed = commands.add_parser(
        "seed", help="fill an empty database with deterministic demo data",
        description="Generate a realistic synthetic library. SCALE is demo (about 10k loans), "
        "small, large, or a number of loans. The same --seed gives the same rows.",
    )
    seed.add_argument("--scale", required=True, metavar="demo|small|large|N")
    seed.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    seed.add_argument("--force", action="store_true",
                      help="add to a database that already holds data")
    seed.add_argument("--quiet", action="store_true", help="no progress lines")
    seed.set_defaults(handler=_cmd_seed)

    _add_extension_commands(commands)
    return parser


def _add_extension_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    """Commands owned by other modules register here, each beside the code it drives."""
    for module_name in EXTENSION_MODULES:
        module = __import__(module_name, fromlist=["register_cli"])
        module.register_cli(commands)


# Modules with a `register_cli(commands)` function adding their own sub-commands.
EXTENSION_MODULES: list[str] = ["toolshare_core.accounts_cli", "toolshare_core.report_cli",
                               "toolshare_core.notebook_cli"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    handler: Handler = args.handler
    try:
        return handler(args)
    except ToolShareError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except OperationalError as exc:  # the server went away or cancelled a statement mid-command
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "no reason given"
        print(f"error: the database stopped the command ({reason}); nothing was committed. "
              "Check DATABASE_URL and that PostgreSQL is running, then try again", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("error: interrupted; nothing was committed", file=sys.stderr)
        return 130
