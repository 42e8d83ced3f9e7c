"""Facial acupuncture clinic assistant: knowledge store, NLU components, CLI."""
