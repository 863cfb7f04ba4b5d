"""How well each model picks among the incumbents' neighbours, on training sets taken from real runs
(docs/nasbench_graph_study.md, part 9).

For every run record in ``RUNS`` (``RUNS/nasbench_graph-DATASET/METHOD/seed-*.json``) and each cut ``n``
(30, 50, 70 evaluations), the model is fitted on the run's first ``n`` trials; the candidates are the
unseen one-edit neighbours of its five best (the preset's ``local_candidates`` pool); the model picks
five. Printed per dataset and model: the share of cuts where a pick beats the incumbent (and where any
candidate does), the mean true value of the picks above the candidates' mean, and the Spearman
correlation among the candidates.

Models: ``proxy`` (the preset's GCN proxy, one fresh fit; ``e300``, ``mlp``, ``gin``, ``sage``, ``rank1``: with
one setting changed, :data:`PROXY_VARIANTS`), ``gp``
(:class:`~naslib_optiproxy.proxies.categorical_gp.CategoricalGP`), ``ridge`` (ridge regression on the
one-hot codes: one additive effect per slot and choice), ``ridge2`` (plus one effect per pair of
op choices), ``mix`` (the proxy's and ridge's standardised predictions averaged), ``random``.

Example::

    python -m benchmarks.studies.neighbour_ranking runs/study/graph cora,pubmed proxy,ridge,random
"""

from __future__ import annotations

import glob
import itertools
import json
import sys
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
import torch

from benchmarks.studies.graph_proxy_fit import spearman
from naslib_optiproxy import OptiProxyConfig
from naslib_optiproxy.objectives import get_objective
from naslib_optiproxy.proxies import ProxyTrainer
from naslib_optiproxy.proxies.categorical_gp import CategoricalGP, categorical_codes
from naslib_optiproxy.types import Architecture

CUTS = (30, 50, 70)
#: proxy models: the preset's settings with these overrides
PROXY_VARIANTS = {"proxy": {}, "e300": {"model_epochs": 300}, "mlp": {"proxy": "mlp"}, "gin": {"proxy": "gin"},
                  "sage": {"proxy": "sage"}, "rank1": {"ranking_coe": 1.0}}
PICKS = 5
INCUMBENTS = 5


def one_hot(codes: np.ndarray, sizes: Sequence[int], pairs: bool = False, op_slots: int = 4) -> np.ndarray:
    """One column per slot and choice (and, with ``pairs``, per pair of op slots and their two choices)."""
    columns = [np.eye(size)[codes[:, d]] for d, size in enumerate(sizes)]
    if pairs:
        for i, j in itertools.combinations(range(op_slots), 2):
            joint = codes[:, i] * sizes[j] + codes[:, j]
            columns.append(np.eye(sizes[i] * sizes[j])[joint])
    return np.concatenate(columns, axis=1)


def ridge_predict(train: np.ndarray, y: np.ndarray, test: np.ndarray, penalty: float) -> np.ndarray:
    """Ridge regression (an unpenalised mean) fitted on ``train``/``y``, predicted on ``test``."""
    mean = y.mean()
    a = train.T @ train + penalty * np.eye(train.shape[1])
    w = np.linalg.solve(a, train.T @ (y - mean))
    return test @ w + mean


Model = Callable[[List[Architecture], np.ndarray, List[Architecture]], np.ndarray]


def make_model(name: str, space, dataset: str, seed: int) -> Model:
    """``fit_predict(train, y, test)`` for model ``name`` (see the module docstring)."""
    sizes = [space.num_ops] * space.num_op_slots + list(space.topology.num_candidates)

    def fit_predict(train: List[Architecture], y: np.ndarray, test: List[Architecture]) -> np.ndarray:
        if name == "random":
            return np.random.default_rng(seed).random(len(test))
        if name in ("ridge", "ridge2"):
            pairs = name == "ridge2"
            a, b = (one_hot(categorical_codes(s).numpy(), sizes, pairs) for s in (train, test))
            z = (y - y.mean()) / y.std()
            return ridge_predict(a, z, b, 1.0 if not pairs else 3.0)
        if name == "mix":  # the proxy's and ridge's standardised predictions, averaged
            parts = [make_model(m, space, dataset, seed)(train, y, test) for m in ("proxy", "ridge")]
            return sum((p - p.mean()) / (p.std() + 1e-12) for p in parts)
        if name == "gp":
            gp = CategoricalGP(len(sizes))
            yt = torch.tensor(y, dtype=torch.float64)
            gp.fit(categorical_codes(train), (yt - yt.mean()) / yt.std())
            return gp.predict(categorical_codes(test))[0].numpy()
        overrides = PROXY_VARIANTS[name]
        config = OptiProxyConfig.preset(space, dataset, **overrides)
        torch.manual_seed(seed)
        trainer = ProxyTrainer(config.model.build(space.num_nodes, space.num_features, 1, seed), config.fit,
                               torch.Generator().manual_seed(seed))
        trainer.fit(*space.encode_batch(train), torch.tensor(y, dtype=torch.float32))
        return trainer.predict(*space.encode_batch(test)).numpy()

    return fit_predict


def neighbour_pool(space, train: List[Architecture], y: np.ndarray) -> List[Architecture]:
    """The unseen one-edit neighbours of the ``INCUMBENTS`` best of ``train`` (distinct by key), as the preset's
    ``local_candidates`` adds them to the pool."""
    seen = {space.key(a) for a in train}
    best = np.argsort(-y, kind="stable")[:INCUMBENTS]
    return space.distinct_unseen([n for i in best for n in space.neighbours(train[i])], lambda k: k in seen)


def pick_stats(pred: np.ndarray, truth: np.ndarray, incumbent: float) -> Tuple[bool, bool, float, float]:
    """For the ``PICKS`` candidates of highest ``pred``: whether one beats ``incumbent``, whether any
    candidate does, their mean true value above the candidates' mean, and the Spearman of ``pred``."""
    picks = np.argsort(-pred, kind="stable")[:PICKS]
    return (bool(truth[picks].max() > incumbent), bool((truth > incumbent).any()),
            float(truth[picks].mean() - truth.mean()), ranked_spearman(pred, truth))


def ranked_spearman(a: np.ndarray, b: np.ndarray) -> float:
    """:func:`graph_proxy_fit.spearman`, NaN when either side is constant or there are fewer than 3."""
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return spearman(a, b)


def main() -> int:
    root = sys.argv[1]
    datasets = [d for d in sys.argv[2].split(",") if d] if len(sys.argv) > 2 else None
    models = sys.argv[3].split(",") if len(sys.argv) > 3 else ["proxy", "gp", "ridge", "ridge2", "random"]
    torch.set_num_threads(1)
    folders = sorted(glob.glob(f"{root}/nasbench_graph-*"))
    for folder in folders:
        dataset = folder.rsplit("nasbench_graph-", 1)[1]
        if datasets and dataset not in datasets:
            continue
        objective = get_objective("nasbench_graph", dataset)
        space = objective.space
        stats: Dict[str, List[tuple]] = {m: [] for m in models}
        records = sorted(glob.glob(f"{folder}/*/seed-*.json"))
        for path in records:
            record = json.load(open(path))
            archs = [space.from_string(t["arch"]) for t in record["history"]]
            values = np.array([t["val"] for t in record["history"]])
            for cut in CUTS:
                train, y = archs[:cut], values[:cut]
                candidates = neighbour_pool(space, train, y)
                truth = np.array([objective(a).value for a in candidates])
                for m in models:
                    pred = make_model(m, space, dataset, record["seed"] * 100 + cut)(train, y, candidates)
                    stats[m].append(pick_stats(pred, truth, float(y.max())))
        for m in models:
            s = np.array(stats[m], dtype=float)
            print(f"{dataset:10s} {m:7s} cuts {len(s):3d}  picks beat incumbent {s[:, 0].mean():.3f} "
                  f"(any candidate {s[:, 1].mean():.3f})  lift {s[:, 2].mean():+.3f}  "
                  f"spearman {np.nanmean(s[:, 3]):.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
