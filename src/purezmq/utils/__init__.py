"""purezmq.utils."""
