"""NASLib search-space graphs <-> our codecs' :class:`~naslib_optiproxy.spaces.Architecture`.

Table-driven: :data:`TRANSLATIONS` maps NASLib's ``graph.get_type()`` string to our codec's
registry name and to two small functions, ``arch -> spec`` (what NASLib's ``set_spec``
takes) and ``hash -> arch`` (from NASLib's ``get_hash()``). A codec that is not in
:data:`~naslib_optiproxy.spaces.SEARCH_SPACES` yet simply is not available; nothing here
imports NASLib.

``gcn_layout_equal`` records whether NASLib's own GCN encoding
(``arch.encode(EncodingType.GCN)``: ``operations`` and ``adjacency``) is exactly our codec's
graph layout, so the proxy may be fed NASLib's encodings (tested in
``tests/integrations/naslib_plugin/test_translate.py``). Where it is not (different feature columns or node
order), our codec's layout is used for fitting and searching alike, because the gradient
search needs the codec's differentiable layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Hashable, Optional, Sequence, Tuple

import numpy as np

from ...spaces import SEARCH_SPACES, Architecture, SearchSpace, did_you_mean, get_search_space


@dataclass(frozen=True)
class SpaceTranslation:
    """How one NASLib search space maps onto one of our codecs.

    Attributes:
        naslib_type: ``graph.get_type()`` of the NASLib search space.
        codec: Our codec's name in :data:`~naslib_optiproxy.spaces.SEARCH_SPACES`.
        to_spec: ``(codec, arch) -> spec`` accepted by NASLib's ``graph.set_spec``.
        from_hash: ``(codec, graph.get_hash()) -> arch``.
        gcn_layout_equal: NASLib's GCN encoding equals the codec's layout node for node.
    """

    naslib_type: str
    codec: str
    to_spec: Callable[[Any, Architecture], Any]
    from_hash: Callable[[Any, Any], Architecture]
    gcn_layout_equal: bool = False


def _nb101_from_hash(codec: Any, value: Any) -> Architecture:
    return codec.from_naslib_tuple(tuple(int(v) for v in value))


def _nested_tuples(value: Any) -> Any:
    return tuple(_nested_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value


TRANSLATIONS: Dict[str, SpaceTranslation] = {
    t.naslib_type: t
    for t in (
        SpaceTranslation(
            "nasbench201", "nasbench201",
            to_spec=lambda codec, arch: [int(o) for o in arch.ops],
            from_hash=lambda codec, value: Architecture(tuple(int(o) for o in value)),
            gcn_layout_equal=True,
        ),
        SpaceTranslation(
            "nasbench101", "nasbench101",
            to_spec=lambda codec, arch: tuple(codec.to_naslib_tuple(arch)),
            from_hash=_nb101_from_hash,
        ),
        SpaceTranslation(
            "nasbench301", "nasbench301",
            to_spec=lambda codec, arch: codec.compact(arch),
            from_hash=lambda codec, value: codec.from_compact(_nested_tuples(value)),
        ),
        SpaceTranslation(
            "nlp", "nasbench_nlp",
            to_spec=lambda codec, arch: codec.to_naslib_compact(arch),
            from_hash=lambda codec, value: codec.from_naslib_compact(_nested_tuples(value)),
        ),
    )
}

#: NASLib's config ``search_space`` names -> ``graph.get_type()`` (they differ only in spelling).
NASLIB_SPACE_NAMES: Dict[str, str] = {"nasbench101": "nasbench101", "nasbench201": "nasbench201",
                                      "nasbench301": "nasbench301", "darts": "nasbench301", "nlp": "nlp"}


def available_translations() -> Tuple[str, ...]:
    """NASLib space types whose codec is registered in this installation."""
    return tuple(name for name, t in TRANSLATIONS.items() if t.codec in SEARCH_SPACES)


def translation_for(naslib_type: str) -> SpaceTranslation:
    """The translation of a NASLib space (``get_type()`` or config name); ValueError when unsupported."""
    naslib_type = NASLIB_SPACE_NAMES.get(str(naslib_type), str(naslib_type))
    translation = TRANSLATIONS.get(naslib_type)
    if translation is None or translation.codec not in SEARCH_SPACES:
        supported = available_translations()
        pending = "" if translation is None else f" (its codec {translation.codec!r} is not installed)"
        raise ValueError(
            f"OptiProxy has no codec for NASLib search space {naslib_type!r}{pending}"
            f"{did_you_mean(naslib_type, TRANSLATIONS)}; supported here: {', '.join(supported)}"
        )
    return translation


class Translator:
    """Converts between one NASLib space's specs/hashes and our codec's architectures.

    Example:
        >>> tr = Translator("nasbench201")
        >>> tr.to_spec(Architecture((2, 2, 0, 2, 2, 3)))
        [2, 2, 0, 2, 2, 3]
        >>> tr.from_hash((2, 2, 0, 2, 2, 3)).ops
        (2, 2, 0, 2, 2, 3)
    """

    def __init__(self, naslib_type: str, dataset: Optional[str] = None) -> None:
        self.translation = translation_for(naslib_type)
        self.codec: SearchSpace = get_search_space(self.translation.codec, dataset)

    @property
    def gcn_layout_equal(self) -> bool:
        return self.translation.gcn_layout_equal

    def to_spec(self, arch: Architecture) -> Any:
        """The spec NASLib's ``graph.set_spec`` takes for ``arch``."""
        return self.translation.to_spec(self.codec, arch)

    def from_hash(self, value: Any) -> Architecture:
        """Our architecture for NASLib's ``graph.get_hash()``."""
        return self.translation.from_hash(self.codec, value)

    def from_graph(self, graph: Any) -> Architecture:
        """Our architecture of a NASLib graph (read through its hash: no copy, no parse)."""
        return self.from_hash(graph.get_hash())

    def key(self, arch: Architecture) -> Hashable:
        return self.codec.key(arch)


def layout_from_naslib_gcn(encoding: Dict[str, Any]) -> Tuple[np.ndarray, np.ndarray]:
    """``(x [N, F], adj [N, N])`` float32 from NASLib's GCN encoding dict (``operations``, ``adjacency``)."""
    try:
        x = np.asarray(encoding["operations"], dtype=np.float32)
        adj = np.asarray(encoding["adjacency"], dtype=np.float32)
    except (KeyError, TypeError) as error:
        raise ValueError(f"not a NASLib GCN encoding (needs 'operations' and 'adjacency'): {error}") from None
    return x, adj


def stack_layouts(layouts: Sequence[Tuple[np.ndarray, np.ndarray]]):
    """Batch ``[(x, adj), ...]`` into torch tensors ``(x [B, N, F], adj [B, N, N])``."""
    import torch

    x = torch.as_tensor(np.stack([l[0] for l in layouts]))
    adj = torch.as_tensor(np.stack([l[1] for l in layouts]))
    return x, adj


__all__ = ["NASLIB_SPACE_NAMES", "SpaceTranslation", "TRANSLATIONS", "Translator", "available_translations",
           "layout_from_naslib_gcn", "stack_layouts", "translation_for"]
