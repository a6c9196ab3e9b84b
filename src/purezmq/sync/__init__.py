"""purezmq.sync."""
