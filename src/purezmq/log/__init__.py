"""purezmq.log: publishing :mod:`logging` records over ZeroMQ.

:class:`~purezmq.log.handlers.PUBHandler` sends records on a PUB socket;
``python -m purezmq.log tcp://host:port`` subscribes and prints them.
"""
