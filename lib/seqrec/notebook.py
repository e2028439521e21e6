"""Helpers for the chapter notebooks: show the library's code where it lives, say where it runs."""
from __future__ import annotations

import inspect
import platform
from pathlib import Path


def show_source(obj) -> None:
    """Display the library's source of a function, class or method (its one home) in a notebook."""
    from IPython.display import Markdown, display
    src = inspect.getsource(obj)
    path = Path(inspect.getsourcefile(obj)).resolve()
    parts = path.parts
    rel = "/".join(parts[parts.index("seqrec") - 1:]) if "seqrec" in parts else path.name
    line = inspect.getsourcelines(obj)[1]
    display(Markdown(f"`{rel}`, line {line}:\n\n```python\n{src.rstrip()}\n```"))


def environment_summary() -> str:
    """One line naming Python, torch, seqrec, the device and its training precision."""
    import torch

    from . import __version__
    from .training import cpu_has_native_bf16
    if torch.cuda.is_available():
        dev = f"CUDA: {torch.cuda.get_device_name(0)}, bf16 training"
    else:
        dev = (f"CPU ({torch.get_num_threads()} threads, "
               f"{'bf16' if cpu_has_native_bf16() else 'fp32'} training)")
    return (f"Python {platform.python_version()} · torch {torch.__version__} · "
            f"seqrec {__version__} · {dev}")
