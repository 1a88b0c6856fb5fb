FROM python:3.11-slim AS base
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md alembic.ini ./
COPY backend backend
COPY migrations migrations
COPY frontend frontend
RUN pip install --no-cache-dir .
RUN useradd --system stagematch
USER stagematch
EXPOSE 8000
CMD ["stagematch", "serve", "--host", "0.0.0.0", "--port", "8000"]
