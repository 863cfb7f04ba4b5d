"""Kendall tau of the proxy families on real benchmark data.

For each space (500 NB101 and 500 NB301 architectures of NAS-Bench-Suite-Zero with real
validation accuracy; ``nasbench201``: ``--train`` + ``--test`` architectures drawn from the whole
bundled NB201 table of ``--dataset``) and each seed: shuffle, fit every proxy on ``--train`` archs with
the package's :class:`~naslib_optiproxy.proxies.ProxyTrainer` and the default
:class:`~naslib_optiproxy.config.OptiProxyConfig` settings, and report Kendall's tau-b
between predictions and true accuracy on the remaining archs (mean +- std over seeds).

    pip install scipy   # for kendalltau (tau-b, tie-aware); not a package dependency
    nice -n 5 python -m benchmarks.studies.proxy_tau --seeds 0 1 2 3 4 --out benchmarks/results/proxy_tau.json
    python -m benchmarks.studies.proxy_tau --spaces nasbench201 --dataset cifar100 --train 50 --proxies gcn gcn_sym

``gcn_sym`` is the GCN proxy with PyG's own normalisation ``D^-1/2 (A + I) D^-1/2`` in place of
the row-normalised ``A + I`` (the choice in ``proxies/families.py``, measured in ``docs/proxies.md``).

``--distinct`` keeps one architecture per canonical key (the NB101 subset holds 500 specs but only
292 distinct cells, 55 of them the empty input -> output cell). ``--layout raw`` (NB101 only)
feeds the proxies the unpruned 7-vertex cell instead of the codec's pruned layout, to measure
what pruning is worth.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
from scipy.stats import kendalltau

from naslib_optiproxy.objectives.nasbench101 import load_zero_cost_json, nb101_zero_cost_subset
from naslib_optiproxy.config import OptiProxyConfig
from naslib_optiproxy.data import suite_zero_file
from naslib_optiproxy.data import nb201_table
from naslib_optiproxy.proxies import GraphProxy, ProxyTrainer, build_proxy, initialise_seeded
from naslib_optiproxy.spaces import SEARCH_SPACES, Architecture, SearchSpace, get_search_space
from naslib_optiproxy.spaces.nasbench101 import cell_matrix

ZC_DIR = suite_zero_file("nasbench101").parent  # NAS-Bench-Suite-Zero subsets bundled with the package
PROXY_KINDS = ("gcn", "gat", "gin", "sage", "mlp")


class SymmetricGCNProxy(GraphProxy):
    """``gcn`` with PyG's normalisation ``D^-1/2 (A + I) D^-1/2`` (degrees from the rows) on the raw adjacency."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for conv in self.convs:
            conv.call_kwargs = {"add_loop": True}

    def adjacencies(self, adj: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        return adj.transpose(1, 2), adj


def make_proxy(kind: str, space: SearchSpace, config: OptiProxyConfig) -> torch.nn.Module:
    if kind == "gcn_sym":
        with torch.random.fork_rng(devices=[]):  # drawn as build_proxy("gcn", ...) draws
            proxy = SymmetricGCNProxy(space.num_features, "gcn", config.gcn_hidden, config.gcn_layers,
                                      config.linear_size, config.dropout)
        initialise_seeded(proxy)
        return proxy
    return build_proxy(kind, space.num_nodes, space.num_features, config.gcn_hidden, config.gcn_layers,
                       config.linear_size, config.dropout)


def load_space_data(name: str, dataset: str = "cifar10", size: int = 0) -> Tuple[SearchSpace, List[Architecture], np.ndarray]:
    """Codec, decoded architectures and val accuracies of ``zc_<name>.json`` (NB201: ``size`` random
    architectures of the bundled table, drawn with seed 0)."""
    space = get_search_space(name)
    if name == "nasbench201":
        table = nb201_table(dataset)
        keys = sorted(table)
        pick = np.random.default_rng(0).choice(len(keys), size=size, replace=False)
        return space, [Architecture(keys[i]) for i in pick], np.array([table[keys[i]][0] for i in pick])
    path = ZC_DIR / f"zc_{name}.json"
    if name == "nasbench101":
        pairs = nb101_zero_cost_subset(path)
    else:
        pairs = [(space.from_string(key), rec) for key, rec in load_zero_cost_json(path, name).items()]
    archs = [a for a, _ in pairs]
    return space, archs, np.array([float(r["val_accuracy"]) for _, r in pairs])


def distinct(space: SearchSpace, archs: List[Architecture], y: np.ndarray) -> Tuple[List[Architecture], np.ndarray]:
    """The first architecture (in file order) of every canonical key."""
    first: Dict[object, int] = {}
    for i, arch in enumerate(archs):
        first.setdefault(space.key(arch), i)
    keep = sorted(first.values())
    return [archs[i] for i in keep], y[keep]


def encode(space: SearchSpace, archs: Sequence[Architecture], layout: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """The codec's encoding, or for ``layout="raw"`` (NB101) the unpruned cell: no liveness masking."""
    x, adj = space.encode_batch(list(archs))
    if layout == "raw":
        adj = torch.as_tensor(np.stack([cell_matrix(a.topology) for a in archs]), dtype=torch.float32)
        ops = torch.as_tensor([a.ops for a in archs])
        x[:, 1:-1, 1 : space.num_ops + 1] = torch.nn.functional.one_hot(ops, space.num_ops).float()
    return x, adj


def fit_and_rank(space: SearchSpace, encoded: Tuple[torch.Tensor, torch.Tensor], y: np.ndarray, kind: str,
                 seed: int, train: int, config: OptiProxyConfig) -> float:
    """Kendall tau-b on the held-out archs of one seeded split."""
    order = np.random.default_rng(seed).permutation(len(y))
    fit_idx, test_idx = order[:train], order[train:]
    x, adj = encoded
    target = torch.as_tensor(y, dtype=torch.float32)
    torch.manual_seed(seed)
    proxy = make_proxy(kind, space, config)
    trainer = ProxyTrainer(proxy, config.fit, torch.Generator().manual_seed(seed))
    trainer.fit(x[fit_idx], adj[fit_idx], target[fit_idx])
    pred = trainer.predict(x[test_idx], adj[test_idx]).numpy()
    return float(kendalltau(pred, y[test_idx]).statistic)


def main(argv: Sequence[str] = ()) -> Dict[str, Dict[str, List[float]]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spaces", nargs="+", default=["nasbench101", "nasbench301"])
    parser.add_argument("--proxies", nargs="+", default=list(PROXY_KINDS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--train", type=int, default=100)
    parser.add_argument("--test", type=int, default=1000, help="nasbench201: held-out architectures")
    parser.add_argument("--dataset", default="cifar10", help="nasbench201: cifar10, cifar100 or ImageNet16-120")
    parser.add_argument("--distinct", action="store_true", help="one architecture per canonical key")
    parser.add_argument("--layout", choices=("pruned", "raw"), default="pruned", help="NB101 proxy input layout")
    parser.add_argument("--out", type=Path, default=None, help="write the per-seed taus as JSON")
    args = parser.parse_args(list(argv) or None)
    torch.set_num_threads(1)
    config = OptiProxyConfig()
    results: Dict[str, Dict[str, List[float]]] = {}
    print(f"fit on {args.train}, test on the rest; OptiProxyConfig defaults: hidden {config.gcn_hidden}, "
          f"{config.model_epochs} epochs, lr {config.fit_lr}, ranking_coe {config.ranking_coe}; "
          f"distinct={args.distinct}, NB101 layout={args.layout}")
    print("| space | proxy | n | Kendall tau (mean +- std) | seeds | s/fit |\n|---|---|---|---|---|---|")
    for name in args.spaces:
        if name != "nasbench201" and (name not in SEARCH_SPACES or not (ZC_DIR / f"zc_{name}.json").is_file()):
            print(f"| {name} | skipped: codec not registered or {ZC_DIR}/zc_{name}.json absent | | | | |")
            continue
        space, archs, y = load_space_data(name, args.dataset, args.train + args.test)
        if args.distinct:
            archs, y = distinct(space, archs, y)
        encoded = encode(space, archs, args.layout if name == "nasbench101" else "pruned")
        for kind in args.proxies:
            start = time.perf_counter()
            taus = [fit_and_rank(space, encoded, y, kind, seed, args.train, config) for seed in args.seeds]
            seconds = (time.perf_counter() - start) / len(args.seeds)
            results.setdefault(name, {})[kind] = taus
            print(f"| {name} | {kind} | {len(archs)} | {np.mean(taus):.3f} +- {np.std(taus):.3f} | "
                  f"{','.join(map(str, args.seeds))} | {seconds:.1f} |", flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        meta = {"train": args.train, "test": args.test, "dataset": args.dataset, "seeds": args.seeds, "distinct": args.distinct, "layout": args.layout}
        args.out.write_text(json.dumps({**meta, "taus": results}, indent=1))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
