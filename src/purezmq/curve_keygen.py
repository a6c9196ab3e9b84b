"""
Generate a zmq curve keypair.

Generates a 'public' and a 'secret' key.
Add `--json` to output as a JSON dictionary.
Add `--secret SECRET` to derive public key from an existing secret key.

CURVE keys are always z85-encoded (ASCII safe).
"""

# The docstring above is the command's --help text (as pyzmq's ``zmq.curve_keygen``).
# Run as ``python -m purezmq.curve_keygen``; needs PyNaCl (the ``curve`` extra).

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from purezmq.auth._keys import z85_keypair, z85_public
from purezmq.error import ZMQError

__all__ = ["main"]


def _prog() -> str:
    # The module name as run: "purezmq.curve_keygen", or the alias it was run under
    # (``python -m zmq.curve_keygen`` when purezmq stands in for pyzmq).
    spec = globals().get("__spec__")
    name = getattr(spec, "name", None) or "purezmq.curve_keygen"
    return f"python3 -m {name}"


def main(argv: Sequence[str] | None = None) -> int:
    """Print a new CURVE key pair (or the public key of ``--secret``).

    Args:
        argv: the arguments (default ``sys.argv[1:]``).

    Returns:
        The exit status: 0, or 1 if CURVE is unavailable or the secret key is invalid.
    """
    parser = argparse.ArgumentParser(prog=_prog(), description=__doc__)
    parser.add_argument("--json", action="store_true", help="output keys as JSON dict")
    parser.add_argument("--secret", type=str, help="specify secret key to derive a public key")
    args = list(sys.argv[1:] if argv is None else argv)
    if "--secret" in args[:-1]:
        # a z85 secret may begin with "-", which argparse would take for an option
        # (pyzmq's curve_keygen then fails, about one key in 85): join it to the flag
        i = args.index("--secret")
        args[i : i + 2] = [f"--secret={args[i + 1]}"]
    opts = parser.parse_args(args)
    try:
        if opts.secret:
            secret = opts.secret
            public = z85_public(secret.encode()).decode()
        else:
            public_b, secret_b = z85_keypair()
            public, secret = public_b.decode(), secret_b.decode()
    except (ZMQError, ValueError) as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 1
    if opts.json:
        json.dump({"public": public, "secret": secret}, sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
    else:
        # libzmq's curve_keygen layout, without its disclaimer
        print("== CURVE PUBLIC KEY ==")
        print(public)
        print()
        print("== CURVE SECRET KEY ==")
        print(secret)
    return 0


if __name__ == "__main__":
    sys.exit(main())
