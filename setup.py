import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(r'__version__ = "([^"]+)"', (HERE / "naslib_optiproxy" / "_version.py").read_text()).group(1)

setup(
    name="naslib-optiproxy",
    version=VERSION,
    description="OptiProxy-NAS: gradient search through a differentiable proxy, for NASLib users",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["naslib_optiproxy", "naslib_optiproxy.*"]),
    package_data={"naslib_optiproxy.data": ["*.npz", "MANIFEST.json", "README.md", "LICENSES/*.txt", "nasbench301/*", "suite_zero/*.json"]},
    python_requires=">=3.9",
    install_requires=[
        "torch>=2.0",
        "torch-geometric",
        "numpy",
        "networkx",
        "pyyaml",
        "tqdm",
        "nas-bench-graph",
        # hypervolume, IGD and non-dominated filtering of multi-objective runs (pareto.py): a small C library
        "moocore>=0.3",
    ],
    extras_require={"test": ["pytest", "onnxruntime", "matplotlib"], "plot": ["matplotlib"], "ray": ["ray[tune]"],
                    "nb301": ["onnxruntime"],
                    # the peer optimizers (docs/peers.md); HEBO is installed apart: its pins need numpy<1.25
                    "peers": ["optuna>=5.0", "smac>=2.4"],
                    # what NASLib (a git checkout on PYTHONPATH: its setup.py refuses Python > 3.9) imports on
                    # Python 3.11, without CUDA pieces: xgboost-cpu (the xgboost module without NCCL's 350 MB), and
                    # neither torchvision nor pybnn (which requires torchvision): pip would take PyPI's CUDA
                    # torchvision and with it a CUDA torch. Install both with --no-deps (docs/naslib.md, the recipe);
                    # emcee is what pybnn (and NASLib's lce_m) import besides torch, numpy and scipy
                    "naslib": ["fvcore", "ConfigSpace", "scikit-learn", "scikit-image", "scipy", "six",
                               "pytorch-msssim", "transforms3d", "seaborn", "lightgbm", "ngboost", "xgboost-cpu",
                               "emcee", "pyro-ppl", "grakel", "nasbench-pytorch"]},
    entry_points={"console_scripts": ["naslib-optiproxy=naslib_optiproxy.cli:main"]},
    license="Apache-2.0",
)
