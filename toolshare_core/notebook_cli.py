"""The `notebook-setup` command: (re)create and grant the notebook's read-only database role."""

from __future__ import annotations

import argparse
from typing import Any

from toolshare_core.errors import PermissionDenied


def register_cli(commands: Any) -> None:
    """Add `notebook-setup` to the CLI (called by toolshare_core.cli)."""
    parser = commands.add_parser(
        "notebook-setup", help="prepare the notebook's read-only database role",
        description="Create (when missing and allowed) the role toolshare_reader_<schema> that "
        "notebook queries run as, let the database user switch to it, and grant it SELECT on "
        "the reporting tables and views. Safe to re-run; `migrate` does it once by itself. "
        "When the database user may not create roles, prints the SQL an administrator must "
        "run first.",
    )
    parser.set_defaults(handler=_cmd_notebook_setup)


def _cmd_notebook_setup(args: argparse.Namespace) -> int:
    from toolshare_core.config import get_settings
    from toolshare_core.db import check_connection, get_engine
    from toolshare_core.migrate import ensure_migrated
    from toolshare_core.notebook_run import reader_role, setup_reader

    settings = get_settings()
    engine = get_engine(settings)
    check_connection(engine)
    with engine.begin() as conn:
        ensure_migrated(conn, settings.toolshare_schema)
        status = setup_reader(conn)
        role = reader_role(conn)
    if status != "ready":
        raise PermissionDenied(status)
    print(f"the notebook's read-only role {role} is ready")
    return 0
