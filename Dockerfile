# syntax=docker/dockerfile:1
# Three stages: `client` installs the client's npm packages, `api` is the Python app (API,
# migrations, mail worker), `web` is nginx serving the client's modules and proxying the API,
# the probes and the client's page (with its Content-Security-Policy) to `api`.
# `docker compose build` builds the `api` and `web` targets; see docs/OPERATIONS.md.

FROM node:22-slim AS client
WORKDIR /frontend
# package-lock.json pins every package; `npm ci` refuses to run without it.
COPY frontend/package.json frontend/package-lock.json* ./
RUN if [ -f package-lock.json ]; then npm ci --omit=dev --no-audit --no-fund; \
    else mkdir -p node_modules; fi
COPY frontend/index.html ./
COPY frontend/src ./src

FROM python:3.11-slim AS api
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# Dependencies first, in their own layer: a code change does not reinstall them. The app's
# lock pins every package with its hashes (`make lock`, docs/OPERATIONS.md "Dependencies").
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md alembic.ini ./
COPY migrations migrations
COPY backend backend
# Editable: the app finds alembic.ini, migrations/ and frontend/ next to backend/ in /app.
RUN pip install --no-deps -e .
COPY --from=client /frontend frontend
RUN useradd --system --home-dir /app stagematch && mkdir -p var && chown stagematch var
USER stagematch
EXPOSE 8000
CMD ["stagematch", "serve", "--host", "0.0.0.0", "--port", "8000"]

FROM nginx:1.27-alpine AS web
COPY deploy/nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=client /frontend /usr/share/nginx/html
