"""Benchmarks against a real daphne server: `make bench` runs them and writes docs/benchmarks.md."""
