"""purezmq.transport."""
