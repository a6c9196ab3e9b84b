"""Tests for purezmq.log."""
