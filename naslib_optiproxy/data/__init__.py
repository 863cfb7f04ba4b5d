"""Benchmark tables shipped with the package (see README.md in this folder for sources and licences)."""

from .bundled import (
    DATA_DIR,
    bundled_file,
    bundled_source,
    combined_source,
    content_digest,
    file_source,
    hw_table,
    lowfi_table,
    nb201_ops,
    nb201_table,
    nb301_dir,
    nb301_files,
    suite_zero_file,
    verified_file,
)

__all__ = ["DATA_DIR", "bundled_file", "bundled_source", "combined_source", "content_digest", "file_source", "hw_table",
           "lowfi_table", "nb201_ops", "nb201_table", "nb301_dir", "nb301_files", "suite_zero_file", "verified_file"]
