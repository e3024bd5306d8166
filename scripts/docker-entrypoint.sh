#!/usr/bin/env bash
# The web container's start (the image's ENTRYPOINT; the CMD, normally the dashboard, follows):
#   1. bring the schema up to date:        python -m toolshare_core migrate
#   2. when TOOLSHARE_SEED_DEMO is true and the database holds no items or members:
#                                          python -m toolshare_core seed --scale demo
#   3. exec the command (streamlit run dashboard/app.py ...)
# The same commands run outside Docker (Makefile, CI). Everything printed goes to stdout
# (`docker compose logs web`) and is appended to $TOOLSHARE_LOG_FILE on the logs volume.
# A failure (unreachable database, placeholder SECRET_KEY in production) stops the start with
# the CLI's one-line message and a non-zero exit, so the dashboard never serves a broken setup.
set -Eeuo pipefail

python_bin="${PYTHON:-python}"
log_file="${TOOLSHARE_LOG_FILE:-}"
max_log_bytes=$((10 * 1024 * 1024))

say() { printf '%s toolshare-entrypoint: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

if [ -n "$log_file" ]; then
    if mkdir -p "$(dirname "$log_file")" 2>/dev/null && touch "$log_file" 2>/dev/null; then
        # Keep one previous file so the volume cannot fill up over the years.
        if [ "$(stat -c %s "$log_file")" -gt "$max_log_bytes" ]; then
            mv -f "$log_file" "$log_file.1"
        fi
        exec > >(tee -a "$log_file") 2>&1
    else
        say "cannot write the log file $log_file; logging to stdout only"
    fi
fi

say "applying database migrations"
"$python_bin" -m toolshare_core migrate

# The setting is parsed by the app's own Settings, so "true", "1", "yes" all mean the same here.
seed_action="$("$python_bin" - <<'PY'
import sqlalchemy as sa

from toolshare_core.config import get_settings
from toolshare_core.db import get_engine

settings = get_settings()
if not settings.toolshare_seed_demo:
    print("disabled")
else:
    with get_engine(settings).connect() as conn:
        has_rows = conn.execute(
            sa.text("select exists (select 1 from items) or exists (select 1 from members)")
        ).scalar()
    print("skip-not-empty" if has_rows else "seed")
PY
)"

case "$seed_action" in
    seed)
        say "TOOLSHARE_SEED_DEMO is on and the database is empty: loading the demo library"
        "$python_bin" -m toolshare_core seed --scale demo --quiet
        ;;
    skip-not-empty)
        say "TOOLSHARE_SEED_DEMO is on but the database already holds data: not seeding"
        ;;
    *)
        say "demo data not requested (TOOLSHARE_SEED_DEMO is off)"
        ;;
esac

if [ "$#" -eq 0 ]; then
    set -- streamlit run dashboard/app.py --server.address 0.0.0.0 --server.port 8501 \
        --server.headless true
fi
say "starting: $*"
exec "$@"
