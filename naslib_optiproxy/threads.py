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

At most :data:`MAX_THREADS` (256) threads are used; a larger number from any of these sources is
refused with a message. The cap is the same on every machine, so a run recorded on a large node
can be resumed anywhere (slowly where there are fewer cores: on 2 cores a 12-evaluation OptiProxy
run on NB201 took 1.0 s with 1 thread, 7.3 s with 64 and 28 s with 256). Without a cap,
100,000 threads crashed the process and 1,024 stalled a 12-evaluation run for minutes.

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

from ._text import shorten

ENV_VAR = "NASLIB_OPTIPROXY_THREADS"
#: The most torch threads the hot loops run with (see the module docstring).
MAX_THREADS = 256
_override: Optional[int] = None


def set_torch_threads(threads: Optional[int]) -> None:
    """Use ``threads`` torch threads in the hot loops from now on (``None``: back to the policy).

    Raises:
        ValueError: Not an integer in ``1..MAX_THREADS``.
    """
    global _override
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                or not 1 <= threads <= MAX_THREADS):
        raise ValueError(f"threads must be an integer from 1 to {MAX_THREADS} or None, got {shorten(threads)}")
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
        if not 1 <= value <= MAX_THREADS:
            raise ValueError(f"{ENV_VAR} must be an integer from 1 to {MAX_THREADS}, got {shorten(text, 40)}")
        return value
    if os.environ.get("OMP_NUM_THREADS"):
        threads = torch.get_num_threads()
        if threads > MAX_THREADS:
            raise ValueError(f"OMP_NUM_THREADS gives torch {threads} threads; the hot loops run with at most "
                             f"{MAX_THREADS}: lower OMP_NUM_THREADS or set {ENV_VAR}")
        return threads
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


__all__ = ["ENV_VAR", "MAX_THREADS", "policy_threads", "set_torch_threads", "torch_threads"]
