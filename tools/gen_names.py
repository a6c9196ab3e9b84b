"""Generate the module-level constants: ``zmq.PUSH``, ``zmq.constants.LINGER``, ...

pyzmq exposes every constant both on ``zmq`` and on ``zmq.constants``. We write them
out explicitly (no star import, no run-time globals() update), generated from the enums
in constants.py, into a marked block at the end of constants.py, and the matching
explicit import block into purezmq/__init__.py. tests/test_names.py fails if stale.

Usage: python tools/gen_names.py [--check]
"""

from __future__ import annotations

import importlib
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CONSTANTS = ROOT / "src" / "purezmq" / "constants.py"
INIT = ROOT / "src" / "purezmq" / "__init__.py"
BEGIN = "# BEGIN GENERATED NAMES (tools/gen_names.py)\n"
END = "# END GENERATED NAMES\n"

ENUMS = [
    "SocketType",
    "SocketOption",
    "ContextOption",
    "Flag",
    "MessageOption",
    "PollEvent",
    "Event",
    "Errno",
    "SecurityMechanism",
    "DeviceType",
    "RouterNotify",
    "ReconnectStop",
    "ProtocolError",
    "NormMode",
]
# module-level spellings pyzmq uses for some enums
PREFIX = {
    "Event": "EVENT_",
    "ProtocolError": "PROTOCOL_ERROR_",
    "NormMode": "NORM_",
    "ReconnectStop": "RECONNECT_STOP_",
    "RouterNotify": "NOTIFY_",
}
SKIP = {"SecurityMechanism": {"NULL", "PLAIN", "CURVE", "GSSAPI"}}
EXTRA = {
    "NULL": "SecurityMechanism.NULL",
    "PLAIN": "SecurityMechanism.PLAIN",
    "CURVE": "SecurityMechanism.CURVE",
    "GSSAPI": "SecurityMechanism.GSSAPI",
    "STREAMER": "DeviceType.STREAMER",
    "FORWARDER": "DeviceType.FORWARDER",
    "QUEUE": "DeviceType.QUEUE",
}


def names() -> dict[str, str]:
    """Attribute name -> ``Enum.MEMBER`` expression, in a stable order."""
    text = CONSTANTS.read_text()
    head = text.partition(BEGIN)[0]
    ns: dict[str, object] = {"__name__": "purezmq.constants_preview"}
    exec(compile(head, str(CONSTANTS), "exec"), ns)
    seen: dict[str, str] = {}
    for enum_name in ENUMS:
        enum = ns[enum_name]
        prefix = PREFIX.get(enum_name, "")
        for name in enum.__members__:  # type: ignore[attr-defined]
            if name in SKIP.get(enum_name, set()):
                continue
            # pyzmq: Event's PROTOCOL_ERROR_* values keep their own names
            attr = name if name.startswith("PROTOCOL_ERROR_") else prefix + name
            seen.setdefault(attr, f"{enum_name}.{name}")
    for k, v in EXTRA.items():
        seen.setdefault(k, v)
    return seen


def render_block(attrs: dict[str, str]) -> str:
    lines = [
        BEGIN.rstrip("\n"),
        "# Every constant as a module attribute, as pyzmq has them; do not edit.",
        "# fmt: off",
    ]
    lines += [f"{attr} = {ref}" for attr, ref in attrs.items()]
    lines.append("")
    lines.append("#: The names above, for ``__all__`` here and in the package.")
    lines.append("CONSTANT_NAMES: tuple[str, ...] = (")
    lines += [f'    "{attr}",' for attr in attrs]
    lines.append(")")
    lines.append("__all__ += CONSTANT_NAMES")
    lines.append("# fmt: on")
    lines.append(END.rstrip("\n"))
    return "\n".join(lines) + "\n"


def render_constants(attrs: dict[str, str]) -> str:
    head, _, rest = CONSTANTS.read_text().partition(BEGIN)
    tail = rest.partition(END)[2] if rest else ""
    return head.rstrip("\n") + "\n\n\n" + render_block(attrs) + tail


def render_init(attrs: dict[str, str]) -> str:
    text = INIT.read_text()
    # "X as X" marks an explicit re-export (mypy --strict, no_implicit_reexport)
    block = BEGIN + "from purezmq.constants import (\n"
    block += "".join(f"    {n} as {n},\n" for n in sorted(attrs)) + ")\n\n" + END
    head, _, rest = text.partition(BEGIN)
    tail = rest.partition(END)[2]
    return head + block + tail


def main() -> int:
    attrs = names()
    new_constants = render_constants(attrs)
    new_init = render_init(attrs)
    if "--check" in sys.argv:
        ok = CONSTANTS.read_text() == new_constants and INIT.read_text() == new_init
        return 0 if ok else 1
    CONSTANTS.write_text(new_constants)
    INIT.write_text(new_init)
    importlib.invalidate_caches()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
