"""NASLib search-space objects for the runner: stock (NASLib's own) or lightweight.

Stock NASLib builds a torch network for every architecture (``instantiate_model=True``) and
its discrete optimizers deep-copy it per query. Tabular benchmarks never need the network:
NASLib's own ``instantiate_model=False`` mode queries by op indices / spec. The lightweight
NB201 object here is NASLib's ``NasBench201SearchSpace`` with that flag set *before* the
network is built, so ``clone()`` copies a few attributes instead of a network. Its methods
(sampling, mutation, hashing, query, encodings) are NASLib's own, unchanged, so every
optimizer's trajectory is the same as in stock mode. Other spaces are NASLib's classes with
``instantiate_model = False`` set after construction.
"""

from __future__ import annotations

import functools
from typing import Any

#: NASLib config name -> (module, class) of NASLib's search space.
NASLIB_SPACES = {
    "nasbench101": ("naslib.search_spaces", "NasBench101SearchSpace"),
    "nasbench201": ("naslib.search_spaces", "NasBench201SearchSpace"),
    "nasbench301": ("naslib.search_spaces", "NasBench301SearchSpace"),
    "nlp": ("naslib.search_spaces", "NasBenchNLPSearchSpace"),
}


@functools.lru_cache(maxsize=None)
def light_nb201_class() -> type:
    """``LightNasBench201SearchSpace``: NASLib's NB201 space without its torch network."""
    from .compat import apply

    apply()
    from naslib.search_spaces import NasBench201SearchSpace
    from naslib.search_spaces.core.graph import Graph

    class LightNasBench201SearchSpace(NasBench201SearchSpace):
        """NASLib's NB201 search space in lightweight mode from the start (no network built)."""

        def __init__(self, n_classes: int = 10, in_channels: int = 3) -> None:
            Graph.__init__(self)
            self.name = "makrograph"
            self.num_classes = n_classes
            self.in_channels = in_channels
            self.op_indices = None
            self.max_epoch = 199
            self.space_name = "nasbench201"
            self.labeled_archs = None
            self.instantiate_model = False
            self.sample_without_replacement = False

    return LightNasBench201SearchSpace


def make_search_space(name: str, lightweight: bool = True) -> Any:
    """A NASLib search-space object for config name ``name`` (stock or lightweight)."""
    import importlib

    from ...spaces import did_you_mean

    if name not in NASLIB_SPACES:
        raise ValueError(f"search space {name!r} is not supported by this runner{did_you_mean(name, NASLIB_SPACES)}; "
                         f"choose one of {', '.join(NASLIB_SPACES)}")
    if lightweight and name == "nasbench201":
        return light_nb201_class()()
    module, cls = NASLIB_SPACES[name]
    space = getattr(importlib.import_module(module), cls)()
    if lightweight:
        space.instantiate_model = False
    return space


__all__ = ["NASLIB_SPACES", "light_nb201_class", "make_search_space"]
