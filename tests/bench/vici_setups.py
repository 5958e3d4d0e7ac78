#!/usr/bin/env python3
"""IKEv2 set-ups back to back by a running charon, driven over its vici socket: the baseline of
`pqb-keysvc-bench ike` in tests/vm/bench/ikev2_initiator.sh. One set-up: `initiate` of the
CHILD SA (charon answers once the IKE SA and the CHILD SA are established), then `terminate` of
the IKE SA with force (its Delete is sent, not waited for). One untimed warm-up set-up first.
One connection to the socket for all of them, so no process starts per set-up.

  vici_setups.py SOCKET [--ike pqb] [--child net] [--setups 20] [--seconds 120] [--timeout 30]

Prints "setups N seconds S setup_p50_ms P setup_max_ms M" like `pqb-keysvc-bench ike`; exits 1
if charon reports a failure.

The vici protocol (strongSwan's src/libcharon/plugins/vici/README.md): each packet is a 32-bit
big-endian length and that many bytes: an operation type, for named types a name (8-bit length),
then the message: elements of a type byte, most with an 8-bit-length name; key-values and list
items carry a 16-bit big-endian value length."""

import argparse
import math
import socket
import struct
import sys
import time

CMD_REQUEST, CMD_RESPONSE, CMD_UNKNOWN = 0, 1, 2
SECTION_START, SECTION_END, KEY_VALUE, LIST_START, LIST_ITEM, LIST_END = 1, 2, 3, 4, 5, 6


def encode(fields):
    out = b""
    for key, value in fields.items():
        k, v = key.encode(), value.encode()
        out += bytes([KEY_VALUE, len(k)]) + k + struct.pack(">H", len(v)) + v
    return out


def decode(body):
    """The top-level key-values of a message (sections and lists are skipped)."""
    fields, depth, i = {}, 0, 0
    while i < len(body):
        kind = body[i]
        i += 1
        if kind in (SECTION_START, LIST_START, KEY_VALUE):
            name = body[i + 1:i + 1 + body[i]].decode()
            i += 1 + body[i]
        if kind in (KEY_VALUE, LIST_ITEM):
            (length,) = struct.unpack_from(">H", body, i)
            value = body[i + 2:i + 2 + length].decode(errors="replace")
            i += 2 + length
            if kind == KEY_VALUE and depth == 0:
                fields[name] = value
        elif kind in (SECTION_START, LIST_START):
            depth += 1
        elif kind in (SECTION_END, LIST_END):
            depth -= 1
        else:
            raise ValueError(f"vici: unknown element type {kind}")
    return fields


class Vici:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("vici: charon closed the connection")
            data += chunk
        return data

    def request(self, command, fields):
        name = command.encode()
        packet = bytes([CMD_REQUEST, len(name)]) + name + encode(fields)
        self.sock.sendall(struct.pack(">I", len(packet)) + packet)
        (length,) = struct.unpack(">I", self._read(4))
        payload = self._read(length)
        if payload[0] != CMD_RESPONSE:
            raise ConnectionError(f"vici: {command}: answer of type {payload[0]}")
        return decode(payload[1:])


def setup(vici, args):
    """One set-up and its teardown; the seconds to the established CHILD SA."""
    start = time.monotonic()
    ms = str(args.timeout * 1000)
    answer = vici.request("initiate", {"ike": args.ike, "child": args.child, "timeout": ms})
    took = time.monotonic() - start
    if answer.get("success") != "yes":
        raise RuntimeError(f"initiate: {answer.get('errmsg', answer)}")
    answer = vici.request("terminate", {"ike": args.ike, "force": "yes"})
    if answer.get("success") != "yes":
        raise RuntimeError(f"terminate: {answer.get('errmsg', answer)}")
    return took


def percentile(samples, p):
    """Nearest rank, as the C++ tools compute it."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = min(max(math.ceil(p / 100 * len(ordered)), 1), len(ordered))
    return ordered[rank - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("socket")
    parser.add_argument("--ike", default="pqb")
    parser.add_argument("--child", default="net")
    parser.add_argument("--setups", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--timeout", type=int, default=30)
    args = parser.parse_args()
    vici = Vici(args.socket)
    try:
        setup(vici, args)  # warm-up: not timed
        samples = []
        start = time.monotonic()
        while len(samples) < args.setups and time.monotonic() - start < args.seconds:
            samples.append(setup(vici, args))
        seconds = time.monotonic() - start
    except (RuntimeError, ConnectionError, ValueError) as e:
        print(f"vici_setups: {e}", file=sys.stderr)
        return 1
    print(f"setups {len(samples)} seconds {seconds:.3f} "
          f"setup_p50_ms {percentile(samples, 50) * 1000:.1f} "
          f"setup_max_ms {percentile(samples, 100) * 1000:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
