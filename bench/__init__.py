"""Benchmarks: `make bench` (python -m bench.run). Targets live here, not in timed tests."""
