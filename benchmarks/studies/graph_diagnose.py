"""Per-step diagnostics of OptiProxy on NAS-Bench-Graph (docs/nasbench_graph_study.md).

For each step: the candidates drawn (Q), how many distinct cells they are, how many are already
evaluated, the pool left after de-duplication, the fraction of the chosen batch that are one-edit
neighbours of the 3 best trials, the mean largest op probability of the (alpha, beta) groups, and the
proxy's Spearman rank correlation with the benchmark on 2,000 random cells (and on their top 5%). Prints means per run
and the best-so-far at 50 and 100 evaluations.

Example::

    python -m benchmarks.studies.graph_diagnose --datasets cora,pubmed --seeds 10-12 --set op_noise=0.1
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any, Dict, List, Optional

import numpy as np
import torch

from naslib_optiproxy import OptiProxy, OptiProxyConfig, Study
from naslib_optiproxy.compare.suite import parse_seeds
from naslib_optiproxy.objectives import get_objective


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


class Probe(OptiProxy):
    """OptiProxy that records what its candidate pool and proxy look like at every step."""

    probe_archs: List[Any] = []
    probe_values: np.ndarray = np.zeros(0)
    top_mask: np.ndarray = np.zeros(0, dtype=bool)

    def _candidates(self):  # type: ignore[override]
        loop = self.config.loop
        state = self.rng.bit_generator.state
        per_group = loop.candidates_per_group
        draws = [a for k in range(loop.num_groups)
                 for a in self.distribution.sample_valid(k, per_group, self.rng, loop.op_noise).archs]
        self.rng.bit_generator.state = state  # the real draw below sees the same random numbers
        keys = [self.space.key(a) for a in draws if self.space.is_valid(a)]
        distinct = set(keys)
        seen = sum(self.history.is_seen_key(k) for k in distinct)
        out = super()._candidates()
        x, adj = self.space.encode_batch(self.probe_archs)
        pred = self.trainer.predict(x, adj).numpy()
        self._probe = {"draws": len(draws), "distinct": len(distinct), "seen": seen, "pool": len(out),
                       "op_max": float(self.distribution.op_probabilities().max(-1).mean()),
                       "rho": spearman(pred, self.probe_values),
                       "rho_top": spearman(pred[self.top_mask], self.probe_values[self.top_mask])}
        return out

    def step(self):  # type: ignore[override]
        best = sorted((t for t in self.history.trials if not t.failed), key=lambda t: -t.value)[:3]
        local = {self.space.key(a) for t in best for a in self.space.neighbours(t.arch)}
        chosen = super().step()
        self._probe["local"] = sum(self.space.key(a) in local for a in chosen) / len(chosen)
        self.step_log[-1].update(self._probe)
        return chosen


def run(dataset: str, seed: int, overrides: Dict[str, Any], budget: int) -> Dict[str, Any]:
    objective = get_objective("nasbench_graph", dataset)
    space = objective.space
    rng = np.random.default_rng(1234)
    probe = [space.sample(rng) for _ in range(2000)]
    Probe.probe_archs = probe
    Probe.probe_values = np.array([objective(a).value for a in probe])
    Probe.top_mask = Probe.probe_values >= np.quantile(Probe.probe_values, 0.95)
    strategy = Probe(space, OptiProxyConfig.preset(space, dataset, False, **overrides), seed=seed)
    study = Study(strategy)
    study.optimize(objective, budget)
    best = np.maximum.accumulate([t.value for t in study.trials])
    log = strategy.step_log
    return {"best50": best[49], "best100": best[budget - 1],
            **{k: statistics.mean(s[k] for s in log) for k in ("draws", "distinct", "seen", "pool", "local", "op_max", "rho", "rho_top")},
            "rho_last": log[-1]["rho"], "distinct_last": log[-1]["distinct"]}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--datasets", default="cora,pubmed")
    parser.add_argument("--seeds", default="10-12")
    parser.add_argument("--budget", type=int, default=100)
    args = parser.parse_args(argv)
    import yaml

    overrides = {k: yaml.safe_load(v) for k, _, v in (s.partition("=") for s in args.set)}
    torch.set_num_threads(1)
    for dataset in args.datasets.split(","):
        runs = [run(dataset, seed, overrides, args.budget) for seed in parse_seeds(args.seeds)]
        mean = {k: statistics.mean(r[k] for r in runs) for k in runs[0]}
        print(f"{dataset} {overrides}: " + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                                   for k, v in mean.items()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
