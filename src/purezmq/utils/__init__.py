"""purezmq.utils: helpers pyzmq keeps under ``zmq.utils``.

- :mod:`~purezmq.utils.z85`: the Z85 text encoding (RFC 32), used for CURVE keys.
- :mod:`~purezmq.utils.jsonapi`: JSON to and from UTF-8 bytes.
- :mod:`~purezmq.utils.monitor`: decoding socket monitor events.
- :mod:`~purezmq.utils.win32`: letting CTRL-C interrupt a blocked poll on Windows.
- :mod:`~purezmq.utils.strtypes`, :mod:`~purezmq.utils.interop`: small compatibility
  helpers.

Import the submodule you need (``from purezmq.utils import z85``); this package itself
imports nothing.
"""
