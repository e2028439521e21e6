"""The study of one paper: Siciliano et al. 2025, *Caser+ and CosRec+*, read on run records that
the library (`seqrec`, one level up) writes. The library never imports this package; this package
reads the library's records and tables of names, and the book's chapters show what it finds.

The paper's own numbers
    `paper` (its Table 1 and significance marks, transcribed in `paper_data/`)
What produced a number
    `provenance` (the label of a record or a set of records), `convergence` (the book's one rule:
    has a run converged?)
Which runs stand for what
    `committed_runs` (the committed long runs per dataset, and what the missing ones would cost),
    `benchmarks` (readers of the `rebuild bench` files), `seeds_and_precision` (runs made again
    with another seed or training precision)
The paper's tables and claims, checked
    `tables` (Table 1 from records, as the paper prints it), `claims` (each "+" model against
    its original and SASRec), `paper_claims` (the paper's claims in its own words, each a test
    on two models), `findings_setting` (the main setting per dataset, and the settings the
    records hold), `findings` (every claim read at the main setting, in one outcome vocabulary),
    `findings_words` (the findings in plain sentences), `findings_html` (the findings as the
    page shows them), `protocol_match` (which evaluation protocol the paper's Table 1 used),
    `reproduction` (what the committed runs add up to: the results chapter and the introduction
    show it)
Beyond the paper
    `sasrec_study` (is the paper's SASRec a fair baseline? the original SASRec and the ablation
    of their differences), `cnn_study` (are its Caser and CosRec fair baselines? the originals as
    their papers train them beside the toolkit's, and the ablation of their differences),
    `cnn_gains` (each "+" gain taken apart: the causal architecture, the targets per epoch, the
    toolkit's setting; the claims read against the originals), `untrained` (why an untrained SASRec is not a random ranking), `beyond`
    (the tables of the 'beyond the paper' chapter), `longrun` (a model's long runs as its chapter
    shows them)
The book
    `figures` (every plot from records), `notebook` (what every chapter shares)
"""
