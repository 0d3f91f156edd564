"""eidlib's benchmarks: ``make bench`` runs :mod:`benchmarks.run` and writes ``benchmarks/results/``."""
