"""What the report singles out, in one place: the targets docs/benchmarks.md states (tables
mark them, plots draw them) and the main ratios (a bar chart of the latest run, the history)."""

import fnmatch
import operator
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    names: str  # result names, a shell pattern
    key: str
    op: str  # ">=" or "<="
    value: float
    what: str

    def applies(self, result):
        return fnmatch.fnmatchcase(result.name, self.names) and self.key in result.fields

    def met(self, result):
        compare = operator.ge if self.op == ">=" else operator.le
        return compare(float(result.fields[self.key]), self.value)


TARGETS = (
    Target("xfrm_sa_rate", "ratio", ">=", 1.0, "NetlinkKernel ÷ ip -batch ≥ 1"),
    Target("keysvc_rates.*", "ratio", ">=", 0.9, "edge ÷ s_time ≥ 0.9"),
    Target("keysvc_rates.*", "resumed_ratio", ">=", 3.0, "resumed ÷ full ≥ 3"),
    Target("agent_footprint.*", "keys_in_use_p99_us", "<=", 5000, "keys_in_use p99 ≤ 5 ms"),
    Target("agent_memory.*", "agent_private_kib", "<=", 8192, "agent private ≤ 8192 KiB"),
)


def verdicts(result):
    """"what: met" / "what: **missed**" for every target of this result."""
    return [
        f"{t.what}: {'met' if t.met(result) else '**missed**'}"
        for t in TARGETS
        if t.applies(result)
    ]


def target(names, key):
    return next((t for t in TARGETS if t.names == names and t.key == key), None)


# The main ratios: (result names, key, label suffix).
RATIOS = (
    ("xfrm_sa_rate", "ratio", "NetlinkKernel ÷ ip -batch"),
    ("keysvc_rates.*", "ratio", "edge ÷ s_time"),
    ("keysvc_rates.*", "resumed_ratio", "resumed ÷ full"),
    ("keysvc_groups.SecP384r1MLKEM1024", "median_ratio", "÷ X25519MLKEM768"),
    ("keysvc_groups.X25519", "median_ratio", "÷ X25519MLKEM768"),
    ("ikev2_setups.*", "ratio", "IKEv2 set-ups/s, pqbranch ÷ charon"),
    ("keysvc_threads.threads_2", "median_ratio", "÷ 1 thread"),
    ("keysvc_threads.threads_4", "median_ratio", "÷ 1 thread"),
)


def case(name):
    """keysvc_rates.ecdsa -> ecdsa"""
    return name.split(".", 1)[1] if "." in name else name


def label(name, suffix):
    return f"{case(name)}: {suffix}" if "." in name else suffix
