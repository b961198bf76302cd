# podium: workers and server in one slim, non-root image.
#   docker build -t podium .
#   docker run --rm -e PODIUM_DATABASE_URL=postgresql://... podium worker examples.checkout:app
# Your own app: FROM this image, COPY your package into /app, run `podium worker your.module:app`.

FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/podium \
 && /opt/podium/bin/pip install ".[postgres,server,asl,schedule,otel]"

FROM python:3.12-slim
ENV PATH=/opt/podium/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONPATH=/app \
    PODIUM_LOG_FORMAT=json
RUN groupadd --system --gid 10001 podium \
 && useradd --system --uid 10001 --gid podium --home-dir /app --shell /usr/sbin/nologin podium
COPY --from=build /opt/podium /opt/podium
WORKDIR /app
COPY --chown=podium:podium examples ./examples
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status != 200)" || exit 1
ENTRYPOINT ["podium"]
CMD ["--help"]
