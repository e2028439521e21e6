"""rebuild: run the book's grid of chapters with papermill and build the book from executed copies.

    python -m rebuild run    --profile P [--only model=...,dataset=...] [--jobs N] [--budget-minutes M]
    python -m rebuild status --profile P
    python -m rebuild plan   --profile P --minutes M [--jobs N]
    python -m rebuild book   --profile P
    python -m rebuild bench  [--device cuda] [--out FILE]
"""
import os

# the chapters run in book/ and cells in their own processes: a relative SEQREC_DATA_DIR means
# relative to where the command was typed, so it is made absolute once, here, for all of them
if os.environ.get("SEQREC_DATA_DIR"):
    os.environ["SEQREC_DATA_DIR"] = os.path.abspath(os.environ["SEQREC_DATA_DIR"])
