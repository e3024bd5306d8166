"""The notebook's statement checks: one read-only SELECT per cell, with named parameters bound.

These checks give a person a plain-words reason before anything runs. They are not the guard:
every cell runs in a read-only transaction as a database role that can read only the
reporting tables (toolshare_core/notebook_run.py, sql/migrations/0004_notebook.sql).
"""

from __future__ import annotations

from dataclasses import dataclass

import pglast
from pglast import ast
from pglast.parser import ParseError, scan
from pglast.visitors import Visitor

from toolshare_core.errors import ValidationFailed

# Parameters a cell may use, bound from the page's period and filters, with their SQL type.
# `:to` is exclusive, like every report period; `:location` / `:category` are ids or NULL.
PARAMETER_TYPES: dict[str, str] = {
    "from": "date",
    "to": "date",
    "as_of": "timestamptz",
    "location": "bigint",
    "category": "bigint",
}
MAX_SQL_LENGTH = 20_000

# Functions refused by name (defence in depth; the reader role cannot use most of them anyway).
_FILE = "it reads or lists files on the database server"
_SERVER = "it controls the database server or other sessions"
_SETTING = "it changes settings such as the role or the time limit"
_DYNAMIC = "it runs SQL given as text, which would escape these checks"
_LARGE_OBJECT = "it reads or writes large objects on the server"
_WRITE = "it changes the database"
DENIED_FUNCTIONS: dict[str, str] = {
    "pg_read_file": _FILE, "pg_read_binary_file": _FILE, "pg_stat_file": _FILE,
    "pg_current_logfile": _FILE, "pg_file_write": _FILE, "pg_file_rename": _FILE,
    "pg_file_unlink": _FILE,
    "pg_terminate_backend": _SERVER, "pg_cancel_backend": _SERVER, "pg_reload_conf": _SERVER,
    "pg_rotate_logfile": _SERVER, "pg_promote": _SERVER, "pg_switch_wal": _SERVER,
    "pg_backup_start": _SERVER, "pg_backup_stop": _SERVER, "pg_start_backup": _SERVER,
    "pg_stop_backup": _SERVER, "pg_create_restore_point": _SERVER,
    "pg_log_backend_memory_contexts": _SERVER, "pg_wal_replay_pause": _SERVER,
    "pg_wal_replay_resume": _SERVER, "pg_import_system_collations": _SERVER,
    "pg_notify": _SERVER,
    "set_config": _SETTING,
    "query_to_xml": _DYNAMIC, "query_to_xmlschema": _DYNAMIC,
    "query_to_xml_and_xmlschema": _DYNAMIC, "cursor_to_xml": _DYNAMIC,
    "cursor_to_xmlschema": _DYNAMIC, "ts_stat": _DYNAMIC,
    # these read whole tables when called, after the checks of the statement itself
    "table_to_xml": _DYNAMIC, "table_to_xmlschema": _DYNAMIC,
    "table_to_xml_and_xmlschema": _DYNAMIC, "schema_to_xml": _DYNAMIC,
    "schema_to_xmlschema": _DYNAMIC, "schema_to_xml_and_xmlschema": _DYNAMIC,
    "database_to_xml": _DYNAMIC, "database_to_xmlschema": _DYNAMIC,
    "database_to_xml_and_xmlschema": _DYNAMIC,
    "loread": _LARGE_OBJECT, "lowrite": _LARGE_OBJECT,
    "nextval": _WRITE, "setval": _WRITE,
}
DENIED_PREFIXES: dict[str, str] = {
    "pg_ls_": _FILE,
    "lo_": _LARGE_OBJECT,
    "dblink": "it connects to other databases",
    "pg_advisory": "it takes locks that outlive the query",
    "pg_try_advisory": "it takes locks that outlive the query",
    "pg_stat_reset": _SERVER,
    "pg_replication_": _SERVER,
    "pg_create_": _SERVER,
    "pg_drop_replication": _SERVER,
    "pg_logical_": _SERVER,
}

_WRITES = (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)
_ONLY_READS = "the notebook only reads"


@dataclass(frozen=True)
class CheckedQuery:
    """A cell's SQL made ready for psycopg: `%(name)s` placeholders, literal % doubled."""

    sql: str
    parameters: tuple[str, ...]


def check_cell_sql(cell_sql: str, *, parameter_types: dict[str, str] | None = None) -> CheckedQuery:
    """Refuse anything but one plain SELECT (ValidationFailed saying why); bind :names."""
    types = PARAMETER_TYPES if parameter_types is None else parameter_types
    text = cell_sql.strip()
    if not text:
        raise ValidationFailed("the cell is empty: write one SELECT query")
    if len(text) > MAX_SQL_LENGTH:
        raise ValidationFailed(f"the query is longer than {MAX_SQL_LENGTH} characters")
    if "\x00" in text:
        raise ValidationFailed("the query contains a NUL character; remove it")
    parse_text, exec_text, names = _bind_parameters(text, types)
    try:
        statements = pglast.parse_sql(parse_text)
    except ParseError as exc:
        raise ValidationFailed(f"the query is not valid SQL: {_parse_message(exc, text)}") from exc
    if not statements:
        raise ValidationFailed("the cell holds only comments: write one SELECT query")
    if len(statements) > 1:
        raise ValidationFailed(
            f"a cell runs exactly one statement, and this one holds {len(statements)}; "
            "put each query in its own cell"
        )
    raw = statements[0]
    if raw.stmt is None:
        raise ValidationFailed("the cell holds no statement: write one SELECT query")
    _check_statement(raw.stmt, _first_word(parse_text, raw.stmt_location))
    _NodeChecker()(raw)
    return CheckedQuery(sql=exec_text, parameters=names)


def _bind_parameters(text: str, types: dict[str, str]) -> tuple[str, str, tuple[str, ...]]:
    """(text for the parser with $n, text for psycopg with typed placeholders, names used)."""
    try:
        tokens = scan(text)
    except ParseError as exc:
        raise ValidationFailed(f"the query is not valid SQL: {_parse_message(exc, text)}") from exc
    names: list[str] = []
    parse_parts: list[str] = []
    exec_parts: list[str] = []
    cursor = 0
    for index, token in enumerate(tokens):
        if token.name == "PARAM":
            raise ValidationFailed(
                f"positional parameters like {text[token.start:token.end + 1]} are not "
                "supported; use the named ones: " + _known(types)
            )
        if token.name != "ASCII_58" or index + 1 >= len(tokens):
            continue
        follower = tokens[index + 1]
        if follower.start != token.end + 1 or not _is_word(text[follower.start:follower.end + 1]):
            continue
        name = text[follower.start:follower.end + 1].lower()
        if name not in types:
            raise ValidationFailed(f"unknown parameter :{name}; the notebook offers {_known(types)}")
        if name not in names:
            names.append(name)
        before = text[cursor:token.start]
        parse_parts.append(f"{before}${names.index(name) + 1}")
        exec_parts.append(f"{before.replace('%', '%%')}cast(%({name})s as {types[name]})")
        cursor = follower.end + 1
    parse_parts.append(text[cursor:])
    exec_parts.append(text[cursor:].replace("%", "%%"))
    return "".join(parse_parts), "".join(exec_parts), tuple(names)


def _is_word(word: str) -> bool:
    return bool(word) and (word[0].isalpha() or word[0] == "_") and word.replace("_", "a").isalnum()


def _known(types: dict[str, str]) -> str:
    return ", ".join(f":{name}" for name in types)


def _parse_message(exc: ParseError, text: str) -> str:
    message = str(exc.args[0]) if exc.args else str(exc)
    location = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
    if location is None:
        return message
    line = text.count("\n", 0, location) + 1
    return f"{message} (line {line})"


def _first_word(text: str, location: int | None) -> str:
    rest = text[location or 0:].split()
    return rest[0].upper().rstrip(";") if rest else "this"


def _check_statement(stmt: ast.Node, word: str) -> None:
    if isinstance(stmt, ast.SelectStmt):
        return
    if isinstance(stmt, _WRITES):
        reason = f"{word} changes data, and {_ONLY_READS}; change data on the editing pages"
    elif isinstance(stmt, ast.VariableSetStmt) and (stmt.name or "").lower() in (
        "role", "session_authorization"
    ):
        reason = "SET ROLE is not allowed: notebook queries always run as the read-only notebook role"
    elif isinstance(stmt, ast.VariableSetStmt | ast.VariableShowStmt):
        reason = ("SET and SHOW are not allowed: the notebook fixes its own settings "
                  "(use select current_setting('name') to read one)")
    elif isinstance(stmt, ast.CopyStmt) and stmt.is_program:
        reason = "COPY ... PROGRAM is not allowed: it would run a program on the database server"
    elif isinstance(stmt, ast.CopyStmt):
        reason = "COPY is not allowed: use the CSV or XLSX download under the cell's table"
    elif isinstance(stmt, ast.TransactionStmt):
        reason = ("transaction commands (BEGIN, COMMIT, ROLLBACK, ...) are not allowed: each "
                  "cell runs in its own read-only transaction")
    elif isinstance(stmt, ast.ExplainStmt):
        reason = "EXPLAIN is not available in the notebook; run the SELECT itself"
    elif word in ("CREATE", "ALTER", "DROP", "TRUNCATE", "GRANT", "REVOKE", "COMMENT",
                  "REINDEX", "CLUSTER", "VACUUM", "ANALYZE", "REFRESH", "SECURITY", "IMPORT"):
        reason = (f"{word} changes the database (its structure, permissions or storage), "
                  f"and {_ONLY_READS}: only SELECT queries can run in a cell")
    else:
        reason = f"only SELECT queries can run in a notebook cell, and this is a {word} statement"
    raise ValidationFailed(reason)


class _NodeChecker(Visitor):  # type: ignore[misc]
    """Walks the whole tree, sub-queries and CTEs included."""

    def visit_SelectStmt(self, ancestors: object, node: ast.SelectStmt) -> None:
        if node.intoClause is not None:
            raise ValidationFailed(
                f"SELECT ... INTO creates a table, and {_ONLY_READS}; remove the INTO clause"
            )
        if node.lockingClause:
            raise ValidationFailed(
                f"FOR UPDATE / FOR SHARE locks rows for writing, and {_ONLY_READS}; remove it"
            )

    def visit_CommonTableExpr(self, ancestors: object, node: ast.CommonTableExpr) -> None:
        if isinstance(node.ctequery, _WRITES):
            raise ValidationFailed(
                f"the WITH query {node.ctename!r} changes data, and {_ONLY_READS}"
            )

    def visit_FuncCall(self, ancestors: object, node: ast.FuncCall) -> None:
        name = str(node.funcname[-1].sval).lower() if node.funcname else ""
        reason = DENIED_FUNCTIONS.get(name) or next(
            (why for prefix, why in DENIED_PREFIXES.items() if name.startswith(prefix)), None
        )
        if reason:
            raise ValidationFailed(f"the function {name}() is not allowed in the notebook: {reason}")
