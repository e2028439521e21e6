"""seqrec: the library behind the literate reproduction of Caser+ and CosRec+.

Modules: `data` (datasets, readers, the paper's preprocessing), `sequences` (the compact dataset
container), `sampling` (training windows and negatives), `evaluation` (candidate protocols and
ranks), `metrics`, `training` (one loop for every model), `results` (run records), `stats`
(Wilcoxon tests), `baselines` (popularity, repeat-history) and `models` (the five recommenders).
"""
from .errors import ConfigError, DataError, SeqrecError, TrainingError
from .sequences import SequenceData

__version__ = "0.1.0"
__all__ = ["SequenceData", "SeqrecError", "DataError", "ConfigError", "TrainingError", "__version__"]
