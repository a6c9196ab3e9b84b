"""purezmq.zmtp."""
