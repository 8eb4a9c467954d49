"""Kyodo benchmarks: P1 HTTP commands/s, P2 command-to-directory latency, P3 relay drain (see bench/README.md)."""
