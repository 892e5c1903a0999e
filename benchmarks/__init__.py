"""Benchmark scripts: run each as ``python -m benchmarks.NAME``; results go to benchmarks/results/."""
