"""How well the GCN proxy ranks NAS-Bench-Graph cells after one fit on random ones (docs/nasbench_graph_study.md).

Fits the preset's proxy (with each variant's overrides) on 30 and 100 uniformly random cells (3 repeats)
and prints its Spearman rank correlation with the benchmark on 2,000 other random cells, overall and
within their top 10%. Variant ``gp`` fits the GP of ``ei_model: gp`` instead
(:class:`~naslib_optiproxy.proxies.categorical_gp.CategoricalGP`, on the standardised targets).

Example::

    python -m benchmarks.studies.graph_proxy_fit cora,pubmed preset,w144,gp
"""

from __future__ import annotations

import sys

import numpy as np
import torch

from naslib_optiproxy import OptiProxyConfig
from naslib_optiproxy.objectives import get_objective
from naslib_optiproxy.proxies import ProxyTrainer
from naslib_optiproxy.proxies.categorical_gp import CategoricalGP, categorical_codes

VARIANTS = {"preset": {}, "e300": {"model_epochs": 300}, "w144": {"gcn_hidden": 144, "linear_size": 144},
            "L3": {"gcn_layers": 3}, "L4": {"gcn_layers": 4}, "lr1e-2": {"fit_lr": 0.01},
            "rank0": {"ranking_coe": 0.0}, "rank1": {"ranking_coe": 1.0}, "copula": {"fit_target": "copula"},
            "standard": {"fit_target": "standard"}, "gp": {}}


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])


def main() -> int:
    datasets = sys.argv[1].split(",") if len(sys.argv) > 1 else ["cora", "pubmed"]
    variants = sys.argv[2].split(",") if len(sys.argv) > 2 else list(VARIANTS)
    torch.set_num_threads(1)
    for dataset in datasets:
        objective = get_objective("nasbench_graph", dataset)
        space = objective.space
        rng = np.random.default_rng(99)
        test = [space.sample(rng) for _ in range(2000)]
        y_test = np.array([objective(a).value for a in test])
        top = y_test >= np.quantile(y_test, 0.9)
        x_test, adj_test = space.encode_batch(test)
        for name in variants:
            cells = []
            for n in (30, 100):
                rhos = []
                for rep in range(3):
                    train_rng = np.random.default_rng(rep)
                    train = [space.sample(train_rng) for _ in range(n)]
                    y = torch.tensor([objective(a).value for a in train], dtype=torch.float32)
                    if name == "gp":
                        gp = CategoricalGP(space.num_op_slots + space.topology.num_slots)
                        gp.fit(categorical_codes(train), (y - y.mean()) / y.std())
                        pred = gp.predict(categorical_codes(test))[0].numpy()
                    else:
                        config = OptiProxyConfig.preset(space, dataset, **VARIANTS[name])
                        torch.manual_seed(rep)
                        trainer = ProxyTrainer(config.model.build(space.num_nodes, space.num_features, 1), config.fit,
                                               torch.Generator().manual_seed(rep))
                        trainer.fit(*space.encode_batch(train), y)
                        pred = trainer.predict(x_test, adj_test).numpy()
                    rhos.append((spearman(pred, y_test), spearman(pred[top], y_test[top])))
                cells.append(f"n={n}: rho={np.mean([r[0] for r in rhos]):.3f} top10%={np.mean([r[1] for r in rhos]):.3f}")
            print(dataset, name, " ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
