"""Scripts that measure the method; run a module with ``python -m benchmarks.<name>`` from the checkout."""
