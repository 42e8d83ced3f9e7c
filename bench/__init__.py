"""Benchmarks: NLU quality and latency of the clinic assistant next to stock Rasa (`make bench`)."""
