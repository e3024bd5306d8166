"""Command-line staff accounts: `create-user`, `list-users`, `set-role`.

Whoever can run these holds the database credentials, so they act as an admin named
"command line (<os user>)" in the audit log. Passwords are asked twice with getpass, or read
from standard input with --password-stdin (for scripts); never taken as an argument.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from toolshare_core.errors import ValidationFailed
from toolshare_core.roles import ROLES, operator_actor


def _engine() -> Any:
    from toolshare_core import migrate
    from toolshare_core.config import get_settings
    from toolshare_core.db import check_connection, get_engine

    settings = get_settings()
    engine = get_engine(settings)
    check_connection(engine)
    with engine.connect() as conn:
        migrate.ensure_migrated(conn, settings.toolshare_schema)
    return engine


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def read_password(from_stdin: bool) -> str:
    """The new password: first line of stdin, or typed twice without echo."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ValidationFailed("no password on standard input")
        return password
    first = getpass.getpass("New password: ")
    second = getpass.getpass("Repeat the password: ")
    if first != second:
        raise ValidationFailed("the two passwords differ; nothing was created")
    return first


def _cmd_create_user(args: argparse.Namespace) -> int:
    from toolshare_core import auth

    password = read_password(args.password_stdin)
    with _engine().begin() as conn:
        user = auth.create_user(conn, operator_actor(_os_user()), username=args.username,
                                password=password, role=args.role)
    print(f"created {user.role} {user.username} (id {user.id})")
    return 0


def _cmd_list_users(args: argparse.Namespace) -> int:
    import pandas as pd

    from toolshare_core import auth

    with _engine().connect() as conn:
        users = auth.list_users(conn)
    if users.empty:
        print("no staff accounts yet; create one with: python -m toolshare_core create-user "
              "--role admin --username NAME")
        return 0
    for row in users.to_dict("records"):
        state = "active" if row["active"] else "switched off"
        last = row["last_login_at"] if pd.notna(row["last_login_at"]) else "-"
        print(f"{row['id']}\t{row['username']}\t{row['role']}\t{state}\tlast login {last}")
    return 0


def _cmd_set_role(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from toolshare_core import auth
    from toolshare_core.errors import NotFound

    with _engine().begin() as conn:
        user_id = conn.execute(sa.text("select id from staff_users where lower(username) = lower(:u)"),
                               {"u": args.username}).scalar()
        if user_id is None:
            raise NotFound(f"there is no staff account named {args.username}")
        auth.set_role(conn, operator_actor(_os_user()), user_id=int(user_id), role=args.role)
    print(f"{args.username} is now {args.role}")
    return 0


def register_cli(commands: Any) -> None:
    create = commands.add_parser(
        "create-user", help="create a staff account (the first admin, for example)",
        description="Create a staff account. The password is asked twice (not echoed), or read "
        "from the first line of standard input with --password-stdin. At least 10 characters.",
    )
    create.add_argument("--username", required=True, help="login name (letters, digits, . _ @ -)")
    create.add_argument("--role", required=True, choices=ROLES,
                        help="viewer: read; editor: also edit and lend; admin: also accounts and audit")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input (for scripts)")
    create.set_defaults(handler=_cmd_create_user)

    listing = commands.add_parser("list-users", help="list staff accounts and their roles",
                                  description="List staff accounts (never their passwords).")
    listing.set_defaults(handler=_cmd_list_users)

    role = commands.add_parser("set-role", help="change a staff account's role",
                               description="Change a staff account's role. The last admin "
                               "cannot be demoted.")
    role.add_argument("--username", required=True)
    role.add_argument("--role", required=True, choices=ROLES)
    role.set_defaults(handler=_cmd_set_role)
