"""How many of OptiProxy's candidate draws are valid cells, on the spaces with validity rules.

Candidates are drawn from the (alpha, beta) groups conditioned on validity
(:mod:`naslib_optiproxy.conditional`). For each space and seed this reports, over every step
of a run, the fraction of requested draws that came back valid (``valid_draws`` in the step
log), the distinct unseen candidates per step, and, for comparison, the fraction of *plain
product* draws of the same groups that are valid (what OptiProxy kept before: drawn with a
separate generator, so the run is unchanged).

* ``synthetic``: whole runs (``--budget`` evaluations, the space's preset) on a synthetic
  objective: a fixed random linear function of the codec's graph encoding (seeded).
* ``nb101-subset``: OptiProxy's first step after telling it ``--train`` cells of the real
  NB101 subset of NAS-Bench-Suite-Zero (bundled ``zc_nasbench101.json``), one random subset per seed.

    python -m benchmarks.studies.validity --seeds 0-4 --budget 100 --out benchmarks/results/validity.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import numpy as np
import torch

from naslib_optiproxy import OptiProxy, Study
from naslib_optiproxy.compare.suite import parse_seeds
from naslib_optiproxy.data import suite_zero_file
from naslib_optiproxy.objectives.nasbench101 import nb101_zero_cost_subset
from naslib_optiproxy.spaces import Architecture, NasBench101, NasBenchNLP, SearchSpace


def synthetic_objective(space: SearchSpace, seed: int) -> Callable[[Architecture], float]:
    """``w . mean node features + v . (adjacency row sums)`` of the encoded cell, weights from ``seed``."""
    gen = torch.Generator().manual_seed(1000 + seed)
    w = torch.randn(space.num_features, generator=gen)
    v = torch.randn(space.num_nodes, generator=gen)

    def objective(arch: Architecture) -> float:
        x, adj = space.encode_batch([arch])
        return float(x[0].mean(0) @ w + adj[0].sum(1) @ v)

    return objective


def product_validity(strategy: OptiProxy, rng: np.random.Generator) -> float:
    """Fraction of plain product draws of the current groups (no conditioning) that are valid."""
    loop, distribution = strategy.config.loop, strategy.distribution
    draws = [arch for group in range(loop.num_groups)
             for arch in distribution.product_draws(group, loop.candidates_per_group, rng, loop.op_noise)[1]]
    return sum(strategy.space.is_valid(a) for a in draws) / len(draws)


def summarise(steps: List[Dict[str, Any]]) -> Dict[str, float]:
    return {"steps": len(steps),
            "valid_draws": float(np.mean([s["valid_draws"] for s in steps])),
            "min_valid_draws": float(np.min([s["valid_draws"] for s in steps])),
            "product_valid": float(np.mean([s["product_valid"] for s in steps])),
            "candidates_per_step": float(np.mean([s["candidates"] for s in steps]))}


def synthetic_run(space: SearchSpace, seed: int, budget: int) -> Dict[str, Any]:
    study = Study(OptiProxy(space, seed=seed))
    objective = synthetic_objective(space, seed)
    strategy: OptiProxy = study.strategy  # type: ignore[assignment]
    check = np.random.default_rng(10_000 + seed)
    steps: List[Dict[str, Any]] = []
    start = time.perf_counter()
    while len(study.trials) < budget:
        arch = study.ask()
        if len(strategy.step_log) > len(steps):
            steps.append({**strategy.step_log[-1], "product_valid": product_validity(strategy, check)})
        study.tell(arch, objective(arch))
    return {"space": space.name, "seed": seed, "seconds": time.perf_counter() - start, **summarise(steps)}


def subset_step(seed: int, train: int) -> Dict[str, Any]:
    space = NasBench101()
    cells: Dict[Any, tuple] = {}
    for arch, record in nb101_zero_cost_subset(suite_zero_file("nasbench101")):
        cells.setdefault(space.key(arch), (arch, float(record["val_accuracy"])))
    rng = np.random.default_rng(seed)
    chosen = [list(cells.values())[i] for i in rng.permutation(len(cells))[:train]]
    study = Study(OptiProxy(space, seed=seed))
    for arch, value in chosen:
        study.tell(arch, value)
    strategy: OptiProxy = study.strategy  # type: ignore[assignment]
    strategy.propose()
    step = {**strategy.step_log[-1], "product_valid": product_validity(strategy, np.random.default_rng(seed))}
    return {"space": "nb101-subset", "seed": seed, **summarise([step])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0-4")
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--train", type=int, default=100, help="subset cells told before the measured step")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for seed in parse_seeds(args.seeds):
        for space in (NasBench101(), NasBenchNLP()):
            rows.append(synthetic_run(space, seed, args.budget))
            print(json.dumps(rows[-1]), flush=True)
        rows.append(subset_step(seed, args.train))
        print(json.dumps(rows[-1]), flush=True)
    print("\n| setting | seeds | steps | valid draws (conditioned) | lowest step | plain product draws valid | "
          "distinct candidates / step |\n|---|---|---|---|---|---|---|")
    for name in ("nasbench101", "nasbench_nlp", "nb101-subset"):
        mine = [r for r in rows if r["space"] == name]
        print(f"| {name} | {len(mine)} | {sum(r['steps'] for r in mine)} | "
              f"{np.mean([r['valid_draws'] for r in mine]):.1%} | {min(r['min_valid_draws'] for r in mine):.1%} | "
              f"{np.mean([r['product_valid'] for r in mine]):.2%} | "
              f"{np.mean([r['candidates_per_step'] for r in mine]):.0f} |")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
