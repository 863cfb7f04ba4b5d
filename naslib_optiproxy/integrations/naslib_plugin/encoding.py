"""Proxy inputs from NASLib's own GCN encodings (``arch.encode(EncodingType.GCN)``).

:class:`NaslibEncodedSpace` is our codec with one change: discrete architectures are encoded
by NASLib. One scratch NASLib graph (lightweight, reused) gets each architecture's spec and
is asked for its GCN encoding, so no graph is built or copied per candidate. The relaxed
layout used by the gradient search stays the codec's :meth:`relaxed_encode`; this is only
sound where NASLib's layout equals the codec's (``SpaceTranslation.gcn_layout_equal``, checked
by :func:`layouts_agree` when the optimizer starts and by the tests).
"""

from __future__ import annotations

from typing import Any, Hashable, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ...spaces import Architecture, SearchSpace
from .translate import Translator, layout_from_naslib_gcn, stack_layouts


def naslib_layout(translator: Translator, scratch: Any, arch: Architecture, encoding_type: Any) -> Tuple[np.ndarray, np.ndarray]:
    """NASLib's GCN encoding of ``arch`` as ``(x, adj)``, computed on the reused ``scratch`` graph."""
    scratch.set_spec(translator.to_spec(arch))
    return layout_from_naslib_gcn(scratch.encode(encoding_type=encoding_type))


def layouts_agree(translator: Translator, scratch: Any, encoding_type: Any, archs: Sequence[Architecture]) -> bool:
    """Whether NASLib's GCN encoding equals the codec's layout on every one of ``archs``."""
    for arch in archs:
        x, adj = naslib_layout(translator, scratch, arch, encoding_type)
        ours_x, ours_adj = translator.codec.encode(arch)
        if x.shape != ours_x.shape or adj.shape != ours_adj.shape:
            return False
        if not (np.array_equal(x, ours_x) and np.array_equal(adj, ours_adj)):
            return False
    return True


class NaslibEncodedSpace(SearchSpace):
    """A codec whose discrete encodings come from NASLib's ``encode(EncodingType.GCN)``.

    Args:
        translator: The NASLib <-> codec translator (its codec supplies everything else).
        scratch: A lightweight NASLib graph of the same space, reused for every encoding.
        encoding_type: NASLib's ``EncodingType.GCN``.
    """

    def __init__(self, translator: Translator, scratch: Any, encoding_type: Any) -> None:
        self.translator = translator
        self.codec = translator.codec
        self.scratch = scratch
        self.encoding_type = encoding_type
        for attr in ("name", "op_names", "num_op_slots", "topology", "num_nodes", "num_features"):
            setattr(self, attr, getattr(self.codec, attr))

    def encode_batch(self, archs: Sequence[Architecture]) -> Tuple[torch.Tensor, torch.Tensor]:
        return stack_layouts([naslib_layout(self.translator, self.scratch, a, self.encoding_type) for a in archs])

    def relaxed_encode(self, op_weights: torch.Tensor,
                       topology_weights: Optional[torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
        return self.codec.relaxed_encode(op_weights, topology_weights)

    def is_valid(self, arch: Architecture) -> bool:
        return self.codec.is_valid(arch)

    def key(self, arch: Architecture) -> Hashable:
        return self.codec.key(arch)

    def to_string(self, arch: Architecture) -> str:
        return self.codec.to_string(arch)

    def from_string(self, text: str) -> Architecture:
        return self.codec.from_string(text)

    def sample(self, rng: np.random.Generator) -> Architecture:
        return self.codec.sample(rng)

    def neighbours(self, arch: Architecture) -> List[Architecture]:
        return self.codec.neighbours(arch)

    def mutate(self, arch: Architecture, rng: np.random.Generator) -> Architecture:
        return self.codec.mutate(arch, rng)

    def __iter__(self) -> Iterator[Architecture]:
        return iter(self.codec)

    def __repr__(self) -> str:
        return f"NaslibEncodedSpace({self.codec!r})"


__all__ = ["NaslibEncodedSpace", "layouts_agree", "naslib_layout"]
