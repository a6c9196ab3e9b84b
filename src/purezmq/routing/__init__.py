"""purezmq.routing."""
