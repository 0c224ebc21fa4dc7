# The router (`tuilogs serve`) for any container host. Heroku deploys from Procfile/app.json.
# Data: SQLite under /data (mount a volume), or PostgreSQL when DATABASE_URL is set.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY tuilogs ./tuilogs
RUN pip install . \
    && useradd --system --create-home --uid 10001 --shell /usr/sbin/nologin tuilogs \
    && mkdir /data \
    && chown tuilogs /data

USER tuilogs
WORKDIR /data
ENV TUILOGS_HOME=/data \
    PORT=5170
VOLUME ["/data"]
EXPOSE 5170

# Exec form: the router is PID 1 and gets SIGTERM itself (a graceful stop on `docker stop`);
# it listens on $PORT (5170 above; a platform may set another).
CMD ["tuilogs", "serve", "--host", "0.0.0.0"]
