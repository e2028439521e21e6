#!/usr/bin/env bash
# Prepares, HERE (a machine with the dataset copies and a package registry), what
# `rebuild/gpu_check.sh` needs on a GPU machine that reaches no network; then prints the call.
#
#   SEQREC_DATA_DIR=../shared/data bash rebuild/gpu_prepare.sh
#
# Writes two folders that git ignores and the device tool carries (about 16 MiB together, under
# its 64 MiB limit):
#   .gpudata/            the two dataset copies the check reads (ml-1m/, foursquare-nyc/) and
#     oracle/            the authors' wheel (PyPI easy-lightning==1.0.4) for the fidelity tests
#   .whl/                the pure-Python packages the GPU image lacks (pooch and platformdirs; it
#                        has torch, pytest, requests, pandas, scipy, pyyaml, tqdm), for Python 3.12
# Run it again after the data or the package versions change; it replaces both folders.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${SEQREC_DATA_DIR:?set SEQREC_DATA_DIR to the folder holding ml-1m/ and foursquare-nyc/}"
PYTHON=${PYTHON:-.venv/bin/python}
FILES="ml-1m/ml-1m_sequences.tsv foursquare-nyc/nyc_stan_checkins.tsv"
WHEELS="pooch platformdirs"      # pinned below to the versions this project's .venv tests with

rm -rf .gpudata .whl
for f in $FILES; do
  test -s "$SEQREC_DATA_DIR/$f" || { echo "missing $SEQREC_DATA_DIR/$f: point SEQREC_DATA_DIR at shared/data" >&2; exit 1; }
  mkdir -p ".gpudata/$(dirname "$f")" && cp "$SEQREC_DATA_DIR/$f" ".gpudata/$f"
done
WHEEL=$(PYTHONPATH=lib:. "$PYTHON" -c "from rebuild import authors; print(authors.wheel_path() or '')")
test -n "$WHEEL" || { echo "could not get the authors' wheel (pip download easy-lightning==1.0.4)" >&2; exit 1; }
mkdir -p .gpudata/oracle && cp "$WHEEL" .gpudata/oracle/
PINS=$(for p in $WHEELS; do echo "$p==$("$PYTHON" -m pip show "$p" | sed -n 's/^Version: //p')"; done)
"$PYTHON" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp --platform manylinux_2_17_x86_64 -d .whl $PINS
du -sh .gpudata .whl
cat <<'EOF'
Ready. In a session lent a GPU (device `status`: can_start_another true), one call:
  run(command="SEQREC_DATA_DIR=.gpudata SEQREC_CACHE=.gpudata/oracle bash rebuild/gpu_check.sh $OUT",
      carry=[".gpudata", ".whl"], timeout_s=580)
then unpack $OUT/cpu-paper.tar.gz and $OUT/paper-copies.tar.gz over the checkout (records only)
and commit them with the bench-*.json files it returns (see the script's header).
EOF
