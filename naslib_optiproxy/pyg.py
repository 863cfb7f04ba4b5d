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

:func:`to_dense` checks the graphs before it allocates anything: ``x`` finite ``[num_nodes, F]``,
``edge_index`` an integer ``[2, E]`` tensor of node indices in range (within its own graph for
a ``Batch``), ``edge_weight`` (optional) ``E`` finite numbers, at most :data:`MAX_NODES` nodes
per graph and at most :data:`MAX_DENSE_BYTES` for the ``[B, N, N]`` adjacency. Each refusal is a
``ValueError`` (``TypeError`` for a wrong type) naming the graph and what to fix.
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
#: Most nodes in one graph: the dense proxies are built for architecture cells (tens of nodes).
MAX_NODES = 1_000
#: Most bytes of the dense ``[B, N, N]`` float32 adjacency of one call.
MAX_DENSE_BYTES = 1 << 30


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
        graphs = [graphs]
    if not isinstance(graphs, Batch):
        graphs = list(graphs)
        if not graphs or not all(isinstance(g, Data) for g in graphs):
            raise TypeError("to_dense takes a torch_geometric Data, a Batch or a list of Data objects; "
                            f"got {type(graphs).__name__}")
        for index, graph in enumerate(graphs):
            check_graph(graph.x, graph.edge_index, getattr(graph, "edge_weight", None), graph.num_nodes,
                        f"graph {index}" if len(graphs) > 1 else "the graph")
        _check_dense_size([int(g.num_nodes) for g in graphs])
        graphs = Batch.from_data_list(graphs)
    else:
        check_graph(graphs.x, graphs.edge_index, getattr(graphs, "edge_weight", None), graphs.num_nodes, "the batch")
        counts = torch.bincount(graphs.batch, minlength=graphs.num_graphs) if graphs.batch is not None \
            else torch.tensor([graphs.num_nodes])
        _check_dense_size(counts.tolist())
        if graphs.batch is not None and graphs.edge_index.numel():
            src, dst = graphs.batch[graphs.edge_index[0]], graphs.batch[graphs.edge_index[1]]
            if bool((src != dst).any()):
                raise ValueError("the batch has an edge between two of its graphs (edge_index pairs nodes whose "
                                 "batch differs); build it with Batch.from_data_list from graphs whose edge_index "
                                 "uses each graph's own node numbers")
    x, mask = to_dense_batch(graphs.x.float(), graphs.batch)
    weight = getattr(graphs, "edge_weight", None)
    adj = to_dense_adj(graphs.edge_index, graphs.batch, edge_attr=weight, max_num_nodes=x.shape[1])
    return x, adj, (None if bool(mask.all()) else mask)


def check_graph(x: Any, edge_index: Any, edge_weight: Any, num_nodes: Optional[int], where: str) -> None:
    """Refuse a graph the dense conversion cannot take, naming ``where`` and the fix (see the module docstring).

    Raises:
        TypeError: ``x``, ``edge_index`` or ``edge_weight`` is not a tensor, or ``edge_index`` is not integer.
        ValueError: A wrong shape, an index out of range, or a NaN/inf value.
    """
    if x is None:
        raise ValueError(f"{where} has no node features: set Data.x to a [num_nodes, F] float tensor "
                         f"(e.g. one-hot operations)")
    if not isinstance(x, torch.Tensor) or x.dim() != 2:
        raise ValueError(f"{where}: x must be a [num_nodes, F] tensor, got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    if x.is_floating_point() and not bool(torch.isfinite(x).all()):
        raise ValueError(f"{where}: x holds NaN or infinite features; the proxy would score it NaN")
    nodes = int(x.shape[0]) if num_nodes is None else int(num_nodes)
    if edge_index is None:
        raise ValueError(f"{where} has no edge_index: set a [2, E] integer tensor (an empty one, "
                         f"torch.empty(2, 0, dtype=torch.long), for a graph without edges)")
    if not isinstance(edge_index, torch.Tensor):
        raise TypeError(f"{where}: edge_index must be a [2, E] integer tensor, got {type(edge_index).__name__}")
    if edge_index.dim() != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"{where}: edge_index must have shape [2, E] (sources in row 0, targets in row 1), got "
                         f"{list(edge_index.shape)}")
    if edge_index.is_floating_point() or edge_index.is_complex() or edge_index.dtype == torch.bool:
        raise TypeError(f"{where}: edge_index must hold integer node indices (torch.long), got {edge_index.dtype}")
    if edge_index.numel():
        low, high = int(edge_index.min()), int(edge_index.max())
        if low < 0 or high >= nodes:
            bad = low if low < 0 else high
            raise ValueError(f"{where}: edge_index refers to node {bad}, but it has {nodes} nodes "
                             f"(indices 0..{nodes - 1})")
    if edge_weight is not None:
        if not isinstance(edge_weight, torch.Tensor):
            raise TypeError(f"{where}: edge_weight must be a tensor of E weights, got {type(edge_weight).__name__}")
        if edge_weight.numel() != edge_index.shape[1] or edge_weight.dim() > 2 or \
                (edge_weight.dim() == 2 and edge_weight.shape[1] != 1):
            raise ValueError(f"{where}: edge_weight must hold one weight per edge ({edge_index.shape[1]}), got shape "
                             f"{list(edge_weight.shape)}")
        if not bool(torch.isfinite(edge_weight).all()):
            raise ValueError(f"{where}: edge_weight holds NaN or infinite weights; the proxy would score it NaN")


def _check_dense_size(nodes_per_graph: Sequence[int]) -> None:
    """Refuse graphs too large to densify: more than :data:`MAX_NODES` nodes, or an adjacency above
    :data:`MAX_DENSE_BYTES`; the message names the memory the ``[B, N, N]`` adjacency would need."""
    count, largest = len(nodes_per_graph), max(nodes_per_graph, default=0)
    need = count * largest * largest * 4
    if largest > MAX_NODES or need > MAX_DENSE_BYTES:
        index = list(nodes_per_graph).index(largest)
        graph = f"graph {index}" if count > 1 else "the graph"
        what = (f"{graph} has {largest:,} nodes, more than the {MAX_NODES:,} the dense proxies take"
                if largest > MAX_NODES else f"{count:,} graphs of up to {largest:,} nodes are too many at once")
        raise ValueError(f"{what}: densifying to [{count}, {largest}, {largest}] would need {need / 2**30:.1f} GiB "
                         f"for the adjacency alone (at most {MAX_DENSE_BYTES / 2**30:g} GiB); "
                         f"split the batch or use a sparse GNN for large graphs")


__all__ = ["Graphs", "MAX_DENSE_BYTES", "MAX_NODES", "check_graph", "import_pyg", "is_graphs", "to_batch", "to_data",
           "to_dense"]
