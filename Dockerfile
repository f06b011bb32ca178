# graphsvc without development extras; docker-compose.yml runs its API next to Neo4j.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY graphsvc ./graphsvc
COPY loaders ./loaders
COPY api ./api
COPY cypher ./cypher
# uvicorn[standard] (pyproject.toml): the image serves on uvloop and httptools, as the benchmarks measure.
RUN pip install . \
    && python -c "import uvloop, httptools" \
    && useradd --create-home --uid 10001 graphsvc

USER graphsvc
ENV GRAPHSVC_DB=/home/graphsvc/graphsvc.duckdb \
    GRAPHSVC_CYPHER_DIR=/app/cypher
EXPOSE 8000
# The API and dashboard; `docker compose run graphsvc graphsvc ...` runs the CLI instead.
CMD ["graphsvc-api", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
