# One image for every Stemworks service: web (gunicorn), workers and beat differ by command.

# Private mode's onnxruntime-web files, from the pinned npm package (as `make ort-files`).
FROM node:20-bookworm-slim AS ort
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    STEMWORKS_VAR_DIR=/app/var \
    STEMWORKS_PRIVATE_MODEL_DIR=/app/private-model

RUN apt-get update \
    && apt-get install -y --no-install-recommends libsndfile1 curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# CPU wheels by default; build with --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu126
# (or leave it empty for PyPI's default CUDA build) for the gpu worker.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install ${TORCH_INDEX_URL:+--index-url $TORCH_INDEX_URL} torch==2.13.0

COPY pyproject.toml README.md ./
COPY separation ./separation
COPY workers ./workers
COPY webapp ./webapp
COPY manage.py ./
COPY --from=ort /build/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs \
     /build/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs \
     /build/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm \
     ./webapp/private/static/private/ort/
# Private mode's model: exported from the checksummed weights at build time (make private-model).
RUN pip install . \
    && python -m separation.onnx_export --out /app/private-model \
    && python manage.py collectstatic --noinput -v 0 \
    && useradd --create-home --uid 1000 stemworks \
    && mkdir -p /app/var && chown -R stemworks /app/var

USER stemworks
EXPOSE 8000
CMD ["gunicorn", "webapp.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "300"]
