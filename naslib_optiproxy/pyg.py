"""PyG data in and out: architectures as ``torch_geometric.data.Data``, and PyG graphs as dense batches.

The proxies work on dense batches ``x [B, N, F]``, ``adj [B, N, N]`` (``adj[b, i, j]``: edge i ->
j, possibly soft). This module converts both ways with PyG's own utilities, so a PyG user can fit
a proxy on their own graphs::

    from torch_geometric.data import Batch
    from naslib_optiproxy.proxies import GraphProxy, FitSettings, ProxyTrainer
    from naslib_optiproxy.pyg import to_dense

    x, adj, mask = to_dense(Batch.from_data_list(graphs))      # graphs: list of Data(x, edge_index)
    trainer = ProxyTrainer(GraphProxy(x.shape[-1]), FitSettings(epochs=100))
    trainer.fit(x, adj, y, mask=mask)
    scores = trainer.predict(x, adj, mask=mask)

``torch_geometric`` is imported by these functions when first called (through :func:`import_pyg`),
so ``import naslib_optiproxy`` (which imports this module) never pays for it.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import types
from typing import TYPE_CHECKING, Any, Optional, Sequence, Tuple, Union

import torch

from .spaces.base import SearchSpace
from .types import Architecture

if TYPE_CHECKING:  # pragma: no cover
    from torch_geometric.data import Batch, Data

Graphs = Union["Data", "Batch", Sequence["Data"]]

_DYNAMO = "torch._dynamo"


class _ImportedOnFirstUse(types.ModuleType):
    """Stands in ``sys.modules`` for a module: reading any attribute it lacks imports the real one."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__spec__ = importlib.machinery.ModuleSpec(name, None)  # what ``import name`` looks at

    def __getattr__(self, attribute: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


def import_pyg() -> types.ModuleType:
    """``torch_geometric``, imported without importing ``torch._dynamo`` along with it.

    PyG's ``__init__`` runs ``import torch._dynamo`` (2.4 s on our machine, more than ``import
    torch``) only so that ``is_torch_instance`` can unwrap ``torch.compile``d modules. While PyG is
    imported, a stand-in takes the module's place; the first use of ``torch._dynamo`` after that
    (``torch.compile``, ``is_torch_instance``) imports the real one. Nothing else changes.
    """
    if "torch_geometric" in sys.modules or _DYNAMO in sys.modules:
        return importlib.import_module("torch_geometric")
    stand_in = _ImportedOnFirstUse(_DYNAMO)
    sys.modules[_DYNAMO] = stand_in
    try:
        return importlib.import_module("torch_geometric")
    finally:
        if sys.modules.get(_DYNAMO) is stand_in:
            del sys.modules[_DYNAMO]


def to_data(space: SearchSpace, arch: Architecture) -> "Data":
    """``arch`` as a PyG ``Data``: one-hot node features ``x [N, F]``, ``edge_index [2, E]`` (i -> j),
    ``edge_weight [E]``; works for every codec."""
    import_pyg()
    from torch_geometric.data import Data
    from torch_geometric.utils import dense_to_sparse

    x, adj = space.encode_batch([arch])
    edge_index, edge_weight = dense_to_sparse(adj[0])
    return Data(x=x[0], edge_index=edge_index, edge_weight=edge_weight, num_nodes=space.num_nodes)


def to_batch(space: SearchSpace, archs: Sequence[Architecture]) -> "Batch":
    """Several architectures as one PyG ``Batch``."""
    import_pyg()
    from torch_geometric.data import Batch

    return Batch.from_data_list([to_data(space, arch) for arch in archs])


def is_graphs(graphs: Any) -> bool:
    """Whether ``graphs`` is a PyG ``Data``/``Batch`` or a list of ``Data`` (checked without importing PyG)."""
    first = graphs[0] if isinstance(graphs, (list, tuple)) and graphs else graphs
    return any(cls.__module__.startswith("torch_geometric.") for cls in type(first).__mro__)


def to_dense(graphs: Graphs) -> Tuple[torch.Tensor, torch.Tensor, Optional[torch.Tensor]]:
    """PyG graph(s) -> ``(x [B, N, F], adj [B, N, N], mask [B, N])`` for the proxies.

    ``N`` is the largest graph's node count; ``mask`` marks real nodes (``None`` when every graph
    has ``N`` nodes). ``edge_weight`` (optional, one weight per edge) becomes the adjacency's
    entries, so soft graphs stay soft.
    """
    import_pyg()
    from torch_geometric.data import Batch, Data
    from torch_geometric.utils import to_dense_adj, to_dense_batch

    if isinstance(graphs, Data) and not isinstance(graphs, Batch):
        graphs = Batch.from_data_list([graphs])
    elif not isinstance(graphs, Batch):
        graphs = list(graphs)
        if not graphs or not all(isinstance(g, Data) for g in graphs):
            raise TypeError("to_dense takes a torch_geometric Data, a Batch or a list of Data objects; "
                            f"got {type(graphs).__name__}")
        graphs = Batch.from_data_list(graphs)
    if graphs.x is None:
        raise ValueError("the graphs have no node features: set Data.x to a [num_nodes, F] float tensor "
                         "(e.g. one-hot operations)")
    x, mask = to_dense_batch(graphs.x.float(), graphs.batch)
    weight = getattr(graphs, "edge_weight", None)
    adj = to_dense_adj(graphs.edge_index, graphs.batch, edge_attr=weight, max_num_nodes=x.shape[1])
    return x, adj, (None if bool(mask.all()) else mask)


__all__ = ["Graphs", "import_pyg", "is_graphs", "to_batch", "to_data", "to_dense"]
