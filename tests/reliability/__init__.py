"""Reliability tests: faults, hostile peers, scale (docs/reliability.md)."""
