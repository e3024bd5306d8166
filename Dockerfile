# ToolShare image. Two targets share one base layer set:
#   runtime (the default, last stage): the dashboard, run by docker-compose.yml's `web`
#   test: the same code plus tests and dev tools, run by docker-compose.yml's `tests`
# Build: docker build -t toolshare .            (runtime)
#        docker build --target test -t toolshare-test .
# Set --build-arg WITH_CHROMIUM=false for a smaller image without chart images in PDFs.

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS base
ARG WITH_CHROMIUM=true
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    TOOLSHARE_DATA_DIR=/app/data \
    TOOLSHARE_LOG_FILE=/app/logs/toolshare.log
# Chromium's headless shell renders the chart images in PDF reports (kaleido, via BROWSER_PATH);
# nothing else needs it. It leaves out the desktop browser's GUI stack (about 200 MB smaller).
RUN if [ "$WITH_CHROMIUM" = "true" ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends chromium-headless-shell fonts-liberation fonts-dejavu-core \
        && rm -rf /var/lib/apt/lists/*; \
    fi
ENV BROWSER_PATH=/usr/bin/chromium-headless-shell
# The account the app runs as: no login shell, no password, owns only the data and log folders.
RUN groupadd --system --gid 10001 toolshare \
    && useradd --system --uid 10001 --gid toolshare --create-home \
       --home-dir /home/toolshare --shell /usr/sbin/nologin toolshare
WORKDIR /app
# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt ./
RUN pip install -r requirements.txt

# ---------------------------------------------------------------------------------------------
FROM base AS test
COPY requirements-dev.txt ./
RUN pip install -r requirements-dev.txt
# The whole checkout as the tests see it (code, tests, README, Makefile, container files);
# .dockerignore keeps .git, .env, virtual environments, caches and local data out.
COPY . .
RUN install -d -o toolshare -g toolshare /app/artifacts /app/data /app/logs
USER 10001:10001
CMD ["python", "-m", "pytest", "-m", "not browser", "-p", "no:cacheprovider"]

# ---------------------------------------------------------------------------------------------
FROM base AS runtime
# A deployed dashboard hides Streamlit's developer menu (rerun, clear cache, deploy).
ENV STREAMLIT_CLIENT_TOOLBAR_MODE=viewer
COPY pyproject.toml ./
COPY toolshare_core ./toolshare_core
COPY dashboard ./dashboard
COPY sql ./sql
COPY scripts ./scripts
# Code stays owned by root (read-only for the app); only data and logs are writable.
RUN install -d -o toolshare -g toolshare /app/data /app/logs
USER 10001:10001
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["streamlit", "run", "dashboard/app.py", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true"]
