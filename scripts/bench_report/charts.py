"""Which charts the report has and what goes into each: the latest run's ratios, groups,
agent latency and memory, the 10,000-site passes, and the main ratios over the history.
Each chart is drawn only when the run has its results."""

import fnmatch
import os

import history
import plots
from measures import RATIOS, case as _case, label as _label, target

def _ratio_rows(results):
    rows = []
    for names, key, suffix in RATIOS:
        for r in results:
            if fnmatch.fnmatchcase(r.name, names) and key in r.fields:
                t = target(names, key)
                rows.append((_label(r.name, suffix), float(r.fields[key]), t.value if t else None))
    return rows


def _num(result, key, scale=1.0):
    value = result.fields.get(key)
    return None if value is None else float(value) * scale


def _ratios(run, path):
    rows = _ratio_rows(run.results())
    if rows:
        plots.bars(path, "Ratios against each benchmark's baseline (red: target)", "ratio", rows)
        return True
    return False


def _groups(run, path):
    rs = run.results("keysvc_groups")
    if not rs:
        return False
    rows = [(r.fields.get("group", _case(r.name)), _num(r, "rotations_per_s"), None) for r in rs]
    plots.bars(path, "Edge rotations/s by key exchange group (ECDSA P-256 chain)", "rotations/s",
               rows)
    return True


def _agent_latency(run, path):
    rs = run.results("agent_footprint")
    if not rs:
        return False
    t = target("agent_footprint.*", "keys_in_use_p99_us")
    plots.clustered(
        path,
        "Agent rotation latency, keys_in_use (FakeKernel, loopback)",
        "ms",
        [_case(r.name) for r in rs],
        [("p50", [_num(r, "keys_in_use_p50_us", 1e-3) for r in rs]),
         ("p99", [_num(r, "keys_in_use_p99_us", 1e-3) for r in rs])],
        (t.value / 1000, "p99 target 5 ms") if t else None,
    )
    return True


def _memory(run, path):
    t = target("agent_memory.*", "agent_private_kib")
    limit = t.value if t else None
    rows = []
    for r in run.results("agent_memory"):
        rows.append((f"agent {_case(r.name)} (VM, real)", _num(r, "agent_private_kib"), limit))
        rows.append((f"edge-stub {_case(r.name)} (VM, real)", _num(r, "edge_private_kib"), None))
    for r in run.results("agent_footprint"):
        rows.append((f"agent {_case(r.name)} (FakeKernel)", _num(r, "private_kib_one_tunnel"),
                     limit))
    for r in run.results("ikev2_initiator"):
        if r.name.startswith("ikev2_memory."):
            rows.append((f"agent IKEv2 {_case(r.name)} (VM, real)", _num(r, "agent_private_kib"),
                         None))
            rows.append((f"charon IKEv2 {_case(r.name)} (VM, real)",
                         _num(r, "charon_private_kib"), None))
    rows = [row for row in rows if row[1] is not None]
    if rows:
        plots.bars(path, "Private memory with one tunnel or IKEv2 peer (red: agent target)",
                   "KiB", rows)
    return bool(rows)


def _scale(run, path):
    passes = [r for r in run.results("keysvc_scale") if "rotations_per_s" in r.fields]
    if not passes:
        return False
    labels = [f"pass {r.fields.get('pass', '?')} ({r.fields.get('sites', '?')} sites)"
              for r in passes]
    plots.clustered(
        path,
        "One edge, many sites, per pass: rotations/s and latency (ms × 100)",
        "rotations/s  |  ms × 100",
        labels,
        [("rotations/s", [_num(r, "rotations_per_s") for r in passes]),
         ("p50 ms × 100", [_num(r, "p50_ms", 100) for r in passes]),
         ("p99 ms × 100", [_num(r, "p99_ms", 100) for r in passes])],
    )
    return True


def _history(rows, path):
    runs = history.runs(rows)
    series = []
    for name_label, name, key in history.ratio_columns(rows):
        values = [history.value(rows, run, name, key) for run in runs]
        if any(v is not None for v in values):
            series.append((name_label, values))
    if not series:
        return False
    labels = [history.run_label(run) for run in runs]
    edge = target("keysvc_rates.*", "ratio")
    plots.lines(path, "Main ratios over the runs ((t): transcribed from prose)", "ratio", labels,
                series, targets=[(edge.value, edge.what)])
    return True


CHARTS = (
    ("ratios", _ratios),
    ("groups", _groups),
    ("agent_latency", _agent_latency),
    ("memory", _memory),
    ("scale", _scale),
)


def draw(run, history_rows, out_dir):
    """Draws every chart that has data into out_dir; returns the names drawn."""
    os.makedirs(out_dir, exist_ok=True)
    drawn = [name for name, chart in CHARTS if chart(run, os.path.join(out_dir, name + ".svg"))]
    if _history(history_rows, os.path.join(out_dir, "history.svg")):
        drawn.append("history")
    return drawn
