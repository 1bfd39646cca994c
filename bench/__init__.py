"""Benchmarks: `make bench` (full) and `make bench-quick`. Each figure is measured beside its baseline in
the same run and reported as a ratio; results also go to bench/results.json."""
