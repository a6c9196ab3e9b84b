"""purezmq.zmtp.mechanisms."""
