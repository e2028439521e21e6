# Thin wrappers. `make test` and `make book` create/refresh .venv idempotently.
#   make book [PROFILE=cpu]   run the profile's grid with papermill, then build the HTML book
#   make test                 the whole test suite (what CI runs)
#   make browser              Debian's Chromium for the rendered-book test (needs root/apt)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PROFILE ?= cpu
JOBS    ?= 2
# torch is installed FIRST so that no multi-GB CUDA build is pulled in on a CPU machine. On a CPU
# machine outside this workplace use: make TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_SPEC  ?= torch==2.13.0
TORCH_INDEX ?=

.PHONY: venv test book grid html browser bench clean
venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || \
	  $(BIN)/python -m pip install -q "$(TORCH_SPEC)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/python -m pip install -q -e ".[book,test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

test: venv
	$(BIN)/python -m pytest

book: grid html
grid: venv
	$(BIN)/python -m rebuild run --profile $(PROFILE) --jobs $(JOBS)
html: venv
	$(BIN)/python -m rebuild book --profile $(PROFILE)

bench: venv
	$(BIN)/python -m rebuild bench

browser:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

clean:
	rm -rf _build runs
