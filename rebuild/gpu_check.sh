#!/usr/bin/env bash
# One prepared check of the GPU path, sized for a short GPU lease (about 10 minutes on an H100/H200).
#
#   SEQREC_DATA_DIR=/path/to/shared/data bash rebuild/gpu_check.sh [OUT_DIR]
#
# On a GPU machine without network, `bash rebuild/gpu_prepare.sh` (run first, where the data and
# a package registry are) makes the folders to carry, .gpudata/ and .whl/, and prints the call.
#
# Runs from the repository root with plain `python3` (torch with CUDA, numpy, pandas, scipy, tqdm,
# pyyaml). Missing pure-Python packages (pytest, pooch, ...) are installed from ./.whl if that
# folder exists; the authors' wheel for the fidelity tests is read from $SEQREC_CACHE.
# Stages, most important first; each has its own time limit and writes its files as it finishes,
# so a lease that ends early still returns the stages before:
#   1. environment (GPU, torch, CUDA)                                      -> env.txt
#   2. CUDA tests: causality, fidelity to the authors' code, the training step never waits for
#      the device, CUDA-graph replay trains like the eager step           -> tests.txt
#   3. the cells of the `cpu-paper` profile without a committed record (CosRec and CosRec+ at
#      L = 20: hours on 2 AVX2 cores, see the results chapter's cost table; not yet timed on a
#      GPU), run on the GPU with
#      `--device cuda` (same identity; each record names its device); a cell that cannot finish
#      in the stage's budget stops at once (`stop_if_unfinishable`)  -> cpu-paper.tar.gz
#   4. our ML-1M epoch at L = 100 per model, eager vs whole-step CUDA graph, and the projected
#      paper grid                                                          -> bench-loop.json
#   5. one training step, ours vs the authors' classes, paper sizes        -> bench-steps.json
#   6. torch.compile on the CosRec models (not in the default list)        -> bench-compile.json
#   7. the cheapest cells of the `paper-copies` profile (NYC copy; 2000 epochs) until the
#      budget ends                                                         -> paper-copies.tar.gz
# Everything is logged to log.txt. GPU_CHECK_STAGES="1 2 3 4 5 7" picks stages;
# GPU_CHECK_SECONDS (default 600) bounds the whole script: stage 7 trains for what is left.
# GPU_CHECK_DEVICE (default cuda) is where stage 3 trains (cpu: a dry run of the script here).
set -u
OUT_DIR=${1:-${OUT:-_build/gpu-check}}
mkdir -p "$OUT_DIR"
LOG="$OUT_DIR/log.txt"
STAGES=${GPU_CHECK_STAGES:-"1 2 3 4 5 7"}
START=$(date +%s)
TOTAL_SECONDS=${GPU_CHECK_SECONDS:-600}     # the whole script, stage 7 gets what is left
DEVICE=${GPU_CHECK_DEVICE:-cuda}
export PYTHONUNBUFFERED=1 PYTHONPATH="lib:.${PYTHONPATH:+:$PYTHONPATH}"
: "${SEQREC_DATA_DIR:?set SEQREC_DATA_DIR to the folder holding ml-1m/ and foursquare-nyc/}"
export SEQREC_DATA_DIR
ML1M="$SEQREC_DATA_DIR/ml-1m/ml-1m_sequences.tsv"

if [ -d .whl ] && ! python3 -c "import pytest, pooch" 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/seqrec-site .whl/*.whl >>"$LOG" 2>&1 && export PYTHONPATH="$PYTHONPATH:/tmp/seqrec-site"
fi

stage() {  # stage NUMBER SECONDS COMMAND... : run if selected, log it, never stop the script
  local n=$1 limit=$2; shift 2
  case " $STAGES " in *" $n "*) ;; *) return 0 ;; esac
  echo "== stage $n ($(date -u +%T), limit ${limit}s): $*" | tee -a "$LOG"
  timeout "$limit" "$@" >>"$LOG" 2>&1
  echo "== stage $n exit $? ($(date -u +%T))" | tee -a "$LOG"
}

stage 1 30 bash -c "nvidia-smi; python3 -c 'import torch; print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name())' ; cp '$LOG' '$OUT_DIR/env.txt'"
stage 2 120 bash -c "python3 -m pytest -q -p no:cacheprovider tests/test_steps.py tests/test_models.py \
  tests/test_models_fidelity.py -k 'cuda or graph or waits' 2>&1 | tee '$OUT_DIR/tests.txt'"
stage 3 300 python3 -m rebuild run --profile cpu-paper --engine direct --device "$DEVICE" \
  --only 'model=cosrec|cosrec+,variant=' --jobs 2 --budget-minutes 4.5
case " $STAGES " in *" 3 "*)
  find results/cpu-paper -name record.json | tar czf "$OUT_DIR/cpu-paper.tar.gz" -T - >>"$LOG" 2>&1 ;;
esac
stage 4 120 python3 -m rebuild.benchmark --device cuda --loop-only --no-authors --ml1m-file "$ML1M" \
  --loop-modes eager graphs --out "$OUT_DIR/bench-loop.json"
stage 5 100 python3 -m rebuild.benchmark --device cuda --settings paper --bf16 \
  --out "$OUT_DIR/bench-steps.json"
stage 6 120 python3 -m rebuild.benchmark --device cuda --loop-only --no-authors --ml1m-file "$ML1M" \
  --models cosrec+ cosrec --loop-modes compile --out "$OUT_DIR/bench-compile.json"
LEFT=$(( (START + TOTAL_SECONDS - $(date +%s) - 60) / 60 ))   # minutes, a minute kept for packing
if [ "$LEFT" -ge 1 ]; then
  stage 7 60 python3 -m rebuild run --profile paper-copies --engine direct \
    --only 'dataset=fs-nyc,model=pop|repeat,variant='
  stage 7 $((LEFT * 60 + 30)) python3 -m rebuild run --profile paper-copies --engine direct \
    --only 'dataset=fs-nyc,model=sasrec|caser+|caser,variant=' --jobs 3 --budget-minutes "$LEFT"
  case " $STAGES " in *" 7 "*)
    tar czf "$OUT_DIR/paper-copies.tar.gz" --exclude=checkpoint.pt results/paper-copies >>"$LOG" 2>&1 ;;
  esac
else
  echo "== stage 7 skipped: no time left" | tee -a "$LOG"
fi
echo "done ($(date -u +%T))" | tee -a "$LOG"
