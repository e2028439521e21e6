"""rebuild: run the book's grid of chapters with papermill and build the book from executed copies.

    python -m rebuild run    --profile P [--only model=...,dataset=...] [--jobs N] [--budget-minutes M]
    python -m rebuild status --profile P
    python -m rebuild book   --profile P
    python -m rebuild bench  [--device cuda] [--out FILE]
"""
