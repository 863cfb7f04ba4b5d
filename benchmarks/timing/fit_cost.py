"""What one proxy-fit epoch costs on this machine, and what the levers left would save.

For each proxy width and number of training graphs (random NAS-Bench-201 cells, the preset's fit
settings), it times one full-batch fit epoch (forward, loss, backward, AdamW step) with one and with
two torch threads, and one forward + backward of the GCN proxy as it runs (PyG's ``DenseGCNConv``,
which recomputes its degree normalisation on every call) against the same arithmetic with the
adjacency normalised once (``adj @ lin(x)``; not what the package runs, only measured here).
Every variant runs in turn, repeatedly; each figure is the fastest repeat's mean per call, which
filters out most of the load of a shared machine. ``docs/performance.md`` quotes it.

Example::

    python -m benchmarks.timing.fit_cost --widths 64,144 --graphs 5,50,100,280 --repeats 15
"""

from __future__ import annotations

import argparse
import time
from typing import Callable, Dict

import numpy as np
import torch

from naslib_optiproxy.proxies.fit import FitSettings, ProxyTrainer
from naslib_optiproxy.proxies.graph import GraphProxy
from naslib_optiproxy.spaces import get_search_space
from naslib_optiproxy.threads import torch_threads


def fastest(calls: Dict[str, Callable[[], object]], repeats: int, inner: int) -> Dict[str, float]:
    """Seconds per call of each callable: the minimum over ``repeats`` rounds that run every callable in turn."""
    best = {name: float("inf") for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            start = time.perf_counter()
            for _ in range(inner):
                call()
            best[name] = min(best[name], (time.perf_counter() - start) / inner)
    return best


def normalised_once(proxy: GraphProxy, x: torch.Tensor, a_in: torch.Tensor, a_out: torch.Tensor) -> torch.Tensor:
    """The proxy's arithmetic with the adjacencies normalised before the call (measurement only)."""
    for conv in proxy.convs:
        messages = torch.cat([a_in @ conv.along.lin(x), a_out @ conv.against.lin(x)], dim=-1)
        x = conv.norm(conv.combine(conv.act(messages)))
    return proxy.head(x.mean(dim=1)).squeeze(-1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--widths", default="64,144")
    parser.add_argument("--graphs", default="5,50,100,280")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--inner", type=int, default=10, help="calls per timed round")
    args = parser.parse_args()
    space = get_search_space("nasbench201")
    print("| width | graphs | fit epoch, 1 thread (ms) | 2 threads (ms) | forward + backward, PyG layer (ms) "
          "| adjacency normalised once (ms) |")
    print("|---|---|---|---|---|---|")
    for width in (int(w) for w in args.widths.split(",")):
        for n in (int(g) for g in args.graphs.split(",")):
            torch.manual_seed(0)
            rng = np.random.default_rng(0)
            x, adj = space.encode_batch([space.sample(rng) for _ in range(n)])
            y = torch.randn(n)
            trainer = ProxyTrainer(GraphProxy(x.shape[-1], "gcn", hidden=width, head_hidden=width),
                                   FitSettings(epochs=args.inner, lr=2e-3))
            proxy = trainer.model
            a_in, a_out = proxy.adjacencies(adj)
            with torch_threads(1):
                if not torch.equal(proxy(x, adj), normalised_once(proxy, x, a_in, a_out)):
                    print(f"note: width {width}, {n} graphs: the two forwards differ in the last bits")

            def epochs(threads: int) -> None:
                with torch_threads(threads):
                    trainer.fit(x, adj, y)

            def pyg() -> None:
                with torch_threads(1):
                    proxy(x, adj).sum().backward()

            def once() -> None:
                with torch_threads(1):
                    normalised_once(proxy, x, a_in, a_out).sum().backward()

            fits = fastest({"1": lambda: epochs(1), "2": lambda: epochs(2)}, args.repeats, 1)
            passes = fastest({"pyg": pyg, "once": once}, args.repeats, args.inner)
            per_epoch = {k: v / args.inner * 1e3 for k, v in fits.items()}
            print(f"| {width} | {n} | {per_epoch['1']:.2f} | {per_epoch['2']:.2f} | {passes['pyg'] * 1e3:.2f} "
                  f"| {passes['once'] * 1e3:.2f} |", flush=True)


if __name__ == "__main__":
    main()
