"""Tests for purezmq.utils."""
