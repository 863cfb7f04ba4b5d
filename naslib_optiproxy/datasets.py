"""Each benchmark's datasets by search space: their names, aliases and default, written once.

:func:`canonical_dataset` is the one place a dataset name is checked and spelt: the codecs, the
objectives (:func:`~naslib_optiproxy.objectives.get_objective`), the OptiProxy presets
(:func:`~naslib_optiproxy.config.resolve_settings`) and every door (CLI, ``compare``, the NASLib
plugin, Ray) call it, so ``imagenet16`` and ``ImageNet16-120`` name one dataset everywhere.

Example:
    >>> canonical_dataset("nasbench201", "imagenet16")
    'ImageNet16-120'
    >>> canonical_dataset("nasbench201"), canonical_dataset("nasbench_graph", "Cora")
    ('cifar10', 'cora')
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple

from ._text import did_you_mean

NB201_DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
GRAPH_DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv")

#: search space -> its datasets, the default first. Spaces not listed take no dataset (NAS-Bench-NLP: PTB only).
DATASETS: Dict[str, Tuple[str, ...]] = {
    "nasbench101": ("cifar10",),
    "nasbench201": NB201_DATASETS,
    "nasbench301": ("cifar10",),
    "nasbench_graph": GRAPH_DATASETS,
    # NB201 under an HW-NAS-Bench constraint: the paper's constrained searches are on ImageNet16-120
    "hw_nas_bench": ("ImageNet16-120", "cifar10", "cifar100"),
}
#: Other names of a dataset (lower case) -> its canonical name, per search space.
ALIASES: Dict[str, Dict[str, str]] = {
    "nasbench201": {"cifar10-valid": "cifar10", "imagenet16": "ImageNet16-120", "imagenet": "ImageNet16-120"},
    "nasbench301": {"cifar-10": "cifar10"},
}
ALIASES["hw_nas_bench"] = ALIASES["nasbench201"]
#: search space -> the dataset used when none is named.
DEFAULT_DATASETS: Dict[str, str] = {space: names[0] for space, names in DATASETS.items()}

_TITLES = {"nasbench101": "NAS-Bench-101", "nasbench201": "NAS-Bench-201", "nasbench301": "NAS-Bench-301",
           "nasbench_graph": "NAS-Bench-Graph", "hw_nas_bench": "NAS-Bench-201"}


def aliases(search_space: str) -> Dict[str, str]:
    """Every accepted spelling (lower case) of ``search_space``'s datasets -> the canonical name."""
    names = {name.lower(): name for name in DATASETS.get(search_space, ())}
    return {**names, **ALIASES.get(search_space, {})}


def canonical_dataset(search_space: str, dataset: Optional[str] = None) -> Optional[str]:
    """The canonical name of ``dataset`` (any case, or an alias) on ``search_space``; its default for ``None``.

    A space that takes no dataset (NAS-Bench-NLP, a space of the user's own) gets ``dataset`` back as is.

    Raises:
        ValueError: A dataset the space does not have, with a close match or the space it belongs to.
    """
    if search_space not in DATASETS:
        return dataset
    if dataset is None:
        return DEFAULT_DATASETS[search_space]
    known = aliases(search_space)
    lower = str(dataset).lower()
    if lower in known:
        return known[lower]
    title, names = _TITLES[search_space], DATASETS[search_space]
    if len(names) == 1:
        raise ValueError(f"{title} has only the {names[0]} dataset, got {dataset!r}")
    if search_space == "nasbench_graph" and lower == "proteins":
        hint = "; proteins is not supported: nas-bench-graph numbers its proteins ops inconsistently"
    elif search_space == "nasbench_graph" and lower in aliases("nasbench201"):
        hint = f"; {dataset} is a NAS-Bench-201 dataset: set search_space: nasbench201 (--search-space nasbench201)"
    else:
        hint = did_you_mean(lower, known)
    raise ValueError(f"unknown {title} dataset {dataset!r}{hint}; choose one of {', '.join(names)}")


__all__ = ["ALIASES", "DATASETS", "DEFAULT_DATASETS", "GRAPH_DATASETS", "NB201_DATASETS", "aliases",
           "canonical_dataset"]
