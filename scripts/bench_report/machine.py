"""The machine a benchmark run ran on, as `bench machine KEY=VALUE` lines: bench.sh prints
them at the top of its log, so a report made later from that log describes the run's
machine, not the one making the report."""

import datetime
import os
import subprocess

# In the order the report shows them.
KEYS = (
    ("date", "date (UTC)"),
    ("revision", "git revision"),
    ("cpu", "CPU"),
    ("cpus", "CPUs"),
    ("memory", "memory"),
    ("kernel", "kernel"),
    ("openssl", "OpenSSL"),
    ("load", "load average at the start"),
)


def _command(*argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _cpu():
    models = []
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                models.append(value.strip())
    return (models[0] if models else "unknown"), str(len(models) or os.cpu_count())


def _memory():
    with open("/proc/meminfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _revision(source_dir):
    rev = _command("git", "-C", source_dir, "rev-parse", "--short", "HEAD")
    if not rev:
        return "unknown"
    changed = _command("git", "-C", source_dir, "status", "--porcelain", "--untracked-files=no")
    return rev + ("+ (uncommitted changes)" if changed else "")


def describe(source_dir):
    cpu, cpus = _cpu()
    with open("/proc/loadavg", encoding="utf-8") as f:
        load = " ".join(f.read().split()[:3])
    now = datetime.datetime.now(datetime.timezone.utc)
    return {
        "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "revision": _revision(source_dir),
        "cpu": cpu,
        "cpus": cpus,
        "memory": _memory(),
        "kernel": os.uname().release,
        "openssl": _command("openssl", "version") or "unknown",
        "load": load,
    }


def lines(machine):
    return [f"bench machine {key}={machine[key]}" for key, _ in KEYS if key in machine]
