"""Settings are resolved once: every door gives the same OptiProxy settings for every spelling of every dataset.

The doors are the Python API (``OptiProxy(space, dataset=...)``, ``make_strategy``, which ``run_search``
uses), the CLI's run config, ``compare`` (the suite check and the job's settings, which its key
records), the NASLib plugin and the Ray searcher. Each is asked for every dataset of every search
space with a measured preset, under every name :mod:`naslib_optiproxy.datasets` accepts for it
(any case, the aliases, and no name at all for the default), and must answer the canonical
dataset's preset.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import pytest

from naslib_optiproxy import OptiProxy
from naslib_optiproxy.cli.run_config import RunConfig
from naslib_optiproxy.compare import Job, Method, Task
from naslib_optiproxy.compare.suite import Suite, TaskPlan
from naslib_optiproxy.config import OptiProxyConfig, resolve_settings
from naslib_optiproxy.datasets import DATASETS, DEFAULT_DATASETS, aliases
from naslib_optiproxy.integrations.naslib_plugin.settings import optiproxy_settings
from naslib_optiproxy.integrations.naslib_plugin.translate import TRANSLATIONS
from naslib_optiproxy.presets import PRESETS, preset_settings
from naslib_optiproxy.spaces import SEARCH_SPACES, get_search_space
from naslib_optiproxy.strategies import make_strategy

SPACES = [space for space in DATASETS if space in SEARCH_SPACES]
NASLIB_TYPES = {t.codec: name for name, t in TRANSLATIONS.items()}
CONSTRAINT = "edgegpu_latency<=2"


def _spellings(space: str) -> List[Tuple[Optional[str], str]]:
    """``(name, canonical)`` for every accepted spelling of the space's datasets, and ``(None, default)``."""
    out: List[Tuple[Optional[str], str]] = [(None, DEFAULT_DATASETS[space])]
    for name, canonical in aliases(space).items():
        out += [(name, canonical), (name.upper(), canonical), (canonical, canonical)]
    return sorted(set(out), key=str)


CASES = [(space, name, canonical) for space in SPACES for name, canonical in _spellings(space)]


def _codec(space: str, dataset: Optional[str]) -> Any:
    return get_search_space(space, dataset)


def _doors(space: str, name: Optional[str], constrained: bool = False) -> Dict[str, OptiProxyConfig]:
    """The settings each door resolves for ``space`` on dataset ``name``."""
    codec = _codec(space, name) if space == "nasbench_graph" else get_search_space(space)
    task = Task(space, name, (("constraint", CONSTRAINT),) if constrained else ())
    doors = {
        "api OptiProxy": OptiProxy(codec, dataset=name, constrained=constrained).config,
        "api make_strategy (run_search)": make_strategy("optiproxy", codec, dataset=name,
                                                        constrained=constrained).config,
        "cli RunConfig": RunConfig(search_space=space, dataset=name, budget=100,
                                   constraint=CONSTRAINT if constrained else None).search_config(),
        "compare Job": Job(task, Method("optiproxy"), seed=0, budget=100).config,
    }
    Suite([TaskPlan(task, 100, (100,))], [Method("optiproxy")], [0]).check()  # the suite check resolves alike
    if space in NASLIB_TYPES and not constrained:  # the plugin's settings need no NASLib
        doors["naslib plugin"] = optiproxy_settings({"epochs": 100}, NASLIB_TYPES[space], name)
    return doors


@pytest.mark.parametrize("space, name, canonical", CASES, ids=[f"{s}-{n}" for s, n, _ in CASES])
def test_every_door_resolves_every_spelling_alike(space: str, name: Optional[str], canonical: str) -> None:
    expected = resolve_settings(space, canonical)[1]
    assert expected == OptiProxyConfig(**preset_settings(space, canonical))
    assert resolve_settings(space, name)[0] == canonical
    doors = _doors(space, name)
    wrong = {door: config.to_dict() for door, config in doors.items() if config != expected}
    assert not wrong, f"{space}/{name}: doors differing from {canonical}'s preset: {sorted(wrong)}"


@pytest.mark.parametrize("name", [None, "cifar10", "cifar100", "imagenet16", "ImageNet16-120"])
def test_constrained_doors_take_the_constrained_preset(name: Optional[str]) -> None:
    expected = OptiProxyConfig(**PRESETS["hw_nas_bench"]["*"])
    doors = _doors("nasbench201", name, constrained=True)
    assert {door: config == expected for door, config in doors.items()} == dict.fromkeys(doors, True)


def test_the_imagenet16_alias_keeps_its_preset() -> None:
    """The bug this file guards against: the alias fell back to the space-wide preset (restart_stale 0)."""
    assert preset_settings("nasbench201", "imagenet16")["restart_stale"] == 3
    doors = _doors("nasbench201", "imagenet16")
    assert {door: config.restart_stale for door, config in doors.items()} == dict.fromkeys(doors, 3)
    assert Job(Task.parse("nasbench201/imagenet16"), Method("optiproxy"), 0, 100).config.restart_stale == 3


def test_ray_door_resolves_every_spelling_alike() -> None:
    pytest.importorskip("ray.tune", reason="Ray Tune is not installed (pip install 'naslib-optiproxy[ray]')")
    from naslib_optiproxy.integrations.ray import OptiProxySearcher

    for space, name, canonical in CASES:
        codec = _codec(space, name) if space == "nasbench_graph" else space
        searcher = OptiProxySearcher(codec, dataset=name if space != "nasbench_graph" else None)
        assert searcher.study.strategy.config == resolve_settings(space, canonical)[1], (space, name)
    overridden = OptiProxySearcher("nasbench201", config={"num_groups": 2}, dataset="imagenet16")
    assert overridden.study.strategy.config == resolve_settings("nasbench201", "ImageNet16-120", False,
                                                                {"num_groups": 2})[1]


def test_an_unknown_dataset_is_refused_by_every_door() -> None:
    with pytest.raises(ValueError, match="unknown NAS-Bench-201 dataset 'imagenet17'.*did you mean"):
        resolve_settings("nasbench201", "imagenet17")
    with pytest.raises(ValueError, match="unknown NAS-Bench-201 dataset"):
        RunConfig(search_space="nasbench201", dataset="imagenet17")
    with pytest.raises(ValueError, match="unknown NAS-Bench-201 dataset"):
        optiproxy_settings({}, "nasbench201", "imagenet17")
