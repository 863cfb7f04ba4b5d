"""The torch runtime policy of the hot loops: one thread unless the user says otherwise, no oneDNN.

The proxy's tensors are tiny (a few graphs of 8-22 nodes), so the work is bound by operator
launch latency, and more intra-op threads give nothing reliable at the presets' width 64. At width
144 on a hundred graphs or more (ImageNet16-120) two threads cut a fit epoch by a quarter to a third,
at the price of trajectories that can differ from one thread's (``docs/performance.md``). Every
strategy that runs torch work does it under :func:`torch_threads`, so every door (Python API, CLI,
``compare``, NASLib, Ray) gets the same policy.

The number of threads is, in order: the argument of :func:`set_torch_threads` (``None``
resets it), ``$NASLIB_OPTIPROXY_THREADS``, torch's own setting when ``$OMP_NUM_THREADS`` is
set, else 1. It is recorded in every run's journal header and result (``torch_threads``):
floating-point sums, and so search trajectories, can differ between thread counts.

Inside the block, oneDNN (``torch.backends.mkldnn``) is off: on CPU it runs GELU and its
backward for the proxy, with a fixed cost per call that ATen's own kernels do not have
(on our 2-core machine one search iteration took 2.1 ms with it and 1.5 ms without, one fit
epoch 5.4 and 4.5 ms; ``docs/performance.md``).
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator, Optional

import torch

ENV_VAR = "NASLIB_OPTIPROXY_THREADS"
_override: Optional[int] = None


def set_torch_threads(threads: Optional[int]) -> None:
    """Use ``threads`` torch threads in the hot loops from now on (``None``: back to the policy)."""
    global _override
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    _override = threads


def policy_threads() -> int:
    """The number of torch threads the hot loops run with (see the module docstring)."""
    if _override is not None:
        return _override
    text = os.environ.get(ENV_VAR)
    if text:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise ValueError(f"{ENV_VAR} must be a positive integer, got {text[:40]!r}")
        return value
    if os.environ.get("OMP_NUM_THREADS"):
        return torch.get_num_threads()
    return 1


@contextlib.contextmanager
def torch_threads(threads: Optional[int] = None) -> Iterator[int]:
    """Run the block with ``threads`` (default: :func:`policy_threads`) torch threads and oneDNN off, then restore."""
    wanted = policy_threads() if threads is None else threads
    before, onednn_before = torch.get_num_threads(), torch.backends.mkldnn.enabled
    if wanted != before:
        torch.set_num_threads(wanted)
    torch.backends.mkldnn.enabled = False
    try:
        yield wanted
    finally:
        torch.backends.mkldnn.enabled = onednn_before
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


__all__ = ["ENV_VAR", "policy_threads", "set_torch_threads", "torch_threads"]
