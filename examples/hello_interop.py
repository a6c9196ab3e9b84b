"""purezmq and libzmq talking as equals: REQ/REP and PUB/SUB both ways over tcp.

Run: python examples/hello_interop.py   (needs pyzmq for the libzmq side: pip install pyzmq)
"""

from __future__ import annotations

import sys
import time

import purezmq

try:
    import zmq
except ImportError:  # pragma: no cover - the demo needs the reference peer
    sys.exit("this demo talks to libzmq through pyzmq: pip install pyzmq")


def main() -> int:
    """Run the exchanges and print what each side saw; exit status 0 on success."""
    ours, theirs = purezmq.Context(), zmq.Context()
    try:
        # purezmq REP binds, libzmq REQ connects
        rep = ours.socket(purezmq.REP)
        rep.bind("tcp://127.0.0.1:*")
        req = theirs.socket(zmq.REQ)
        req.connect(rep.last_endpoint.decode())
        req.send(b"Hello")
        print(f"purezmq REP received {rep.recv()!r} from libzmq REQ")
        rep.send(b"World")
        print(f"libzmq REQ received {req.recv()!r} from purezmq REP")

        # libzmq PULL binds, purezmq PUSH connects, multipart with an empty frame
        pull = theirs.socket(zmq.PULL)
        port = pull.bind_to_random_port("tcp://127.0.0.1")
        push = ours.socket(purezmq.PUSH)
        push.connect(f"tcp://127.0.0.1:{port}")
        push.send_multipart([b"multi", b"", b"part"])
        print(f"libzmq PULL received {pull.recv_multipart()!r} from purezmq PUSH")

        # purezmq PUB, libzmq SUB with a topic filter
        pub = ours.socket(purezmq.PUB)
        pub.bind("tcp://127.0.0.1:*")
        sub = theirs.socket(zmq.SUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"weather")
        sub.connect(pub.last_endpoint.decode())
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the subscription needs a moment to arrive
            pub.send(b"sports ignored")
            pub.send(b"weather sunny")
            if sub.poll(50):
                print(f"libzmq SUB received {sub.recv()!r} from purezmq PUB")
                break
        else:
            print("no subscription arrived", file=sys.stderr)
            return 1
        for s in (req, pull, sub):
            s.close(0)
        for s in (rep, push, pub):
            s.close(0)
    finally:
        ours.term()
        theirs.term()
    print("interop demo succeeded")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
