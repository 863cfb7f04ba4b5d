"""Benchmark tables shipped with the package (see README.md in this folder for sources and licences)."""

from .bundled import (
    DATA_DIR,
    bundled_file,
    bundled_source,
    combined_source,
    file_source,
    hw_table,
    lowfi_table,
    nb201_ops,
    nb201_table,
    nb301_dir,
    suite_zero_file,
)

__all__ = ["DATA_DIR", "bundled_file", "bundled_source", "combined_source", "file_source", "hw_table", "lowfi_table", "nb201_ops",
           "nb201_table", "nb301_dir", "suite_zero_file"]
