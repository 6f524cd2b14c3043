"""Benchmarks: our durable agents next to the alternatives, on the same agent work.

`python -m benchmarks` (or `make bench`) runs every contender through every figure and writes BENCHMARKS.md
and docs/img/benchmarks.png; `--quick` is a smoke run. The work is defined once in `workload.py`; each
contender adapts it to its framework in `contenders/`; each figure is a module in `figures/`.
"""
