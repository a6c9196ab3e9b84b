"""Tests for purezmq.eventloop."""
