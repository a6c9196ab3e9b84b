"""purezmq.engine."""
