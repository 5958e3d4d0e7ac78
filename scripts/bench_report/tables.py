"""Markdown tables of one run: one per benchmark, the columns chosen per benchmark; a
benchmark without a spec here gets every key its result lines have."""

import fnmatch

import history
from measures import case as _case, verdicts


def _field(key, scale=1.0, digits=None):
    def cell(result):
        value = result.fields.get(key)
        if value is None:
            return "–"
        if digits is None:
            return value
        return f"{float(value) * scale:,.{digits}f}"

    return cell


def _joined(*keys, scale=1.0, digits=None):
    """"a / b / c" of several keys."""
    cells = [_field(k, scale, digits) for k in keys]
    return lambda r: " / ".join(cell(r) for cell in cells)


def _formatted(template, *keys):
    cells = [_field(k) for k in keys]
    return lambda r: template.format(*(cell(r) for cell in cells))


# (result names, a shell pattern: columns). A benchmark whose results match several patterns
# gets one table per pattern.
COLUMNS = {
    "xfrm_sa_rate*": [
        ("pairs × runs", _formatted("{} × {}", "pairs", "repeat")),
        ("NetlinkKernel pairs/s", _field("netlink_pairs_per_second", digits=1)),
        ("`ip -batch` pairs/s", _field("ip_batch_pairs_per_second", digits=1)),
        ("ratio (median run)", _formatted("{} ({})", "ratio", "median_run_ratio")),
    ],
    "keysvc_rates*": [
        ("chain", _field("chain")),
        ("edge full rot/s", _field("edge_per_s")),
        ("`s_time -new` conn/s", _field("s_time_per_s")),
        ("ratio (median of rounds)", _formatted("{} ({})", "ratio", "median_ratio")),
        ("edge resumed rot/s", _field("resumed_per_s")),
        ("resumed ÷ full (median)",
         _formatted("{} ({})", "resumed_ratio", "resumed_median_ratio")),
        ("`s_time -reuse` conn/s", _field("s_time_reuse_per_s")),
        ("offers / acks / refusals", _joined("offers", "acks", "refusals")),
    ],
    "keysvc_groups*": [
        ("group", _field("group")),
        ("rotations/s", _field("rotations_per_s")),
        ("ratio to X25519MLKEM768 (median of rounds)", _field("median_ratio")),
    ],
    "keysvc_threads*": [
        ("edge threads", _field("threads")),
        ("client threads", _field("concurrency")),
        ("CPUs", _field("cpus")),
        ("rotations/s", _field("rotations_per_s")),
        ("ratio to 1 thread (median of rounds)", _formatted("{} ({})", "ratio", "median_ratio")),
        ("edge busy (cores)", _field("edge_cores")),
    ],
    "keysvc_scale.pass*": [
        ("pass", _field("pass")),
        ("sites", _field("sites")),
        ("rotations", _field("rotations")),
        ("seconds", _field("seconds")),
        ("rotations/s", _field("rotations_per_s")),
        ("latency p50 / p99 (ms)", _joined("p50_ms", "p99_ms", digits=2)),
    ],
    "keysvc_scale.edge": [
        ("sites", _field("sites")),
        ("edge start (s)", _field("start_s")),
        ("threads", _field("threads")),
        ("private KiB: 1 site idle / all idle / after the passes",
         _joined("private_kib_one_site", "private_kib_idle", "private_kib_after")),
        ("KiB per site idle / after",
         _joined("kib_per_site_idle", "kib_per_site_after", digits=2)),
        ("state bytes per site", _field("state_bytes_per_site")),
        ("CPU ms per rotation", _field("cpu_ms_per_rotation")),
    ],
    "agent_footprint*": [
        ("chain", _field("chain")),
        ("mode", _field("mode")),
        ("keys_in_use p50 / p99 (ms)",
         _joined("keys_in_use_p50_us", "keys_in_use_p99_us", scale=1e-3, digits=1)),
        ("ack p50 / p99 (ms)", _joined("ack_p50_us", "ack_p99_us", scale=1e-3, digits=1)),
        ("private KiB one tunnel / after rotations",
         _joined("private_kib_one_tunnel", "private_kib_after_rotations")),
    ],
    "agent_memory*": [
        ("chain", _field("chain")),
        ("pqbranch-agent private KiB (clean + dirty)",
         _formatted("**{}** ({} + {})", "agent_private_kib", "agent_private_clean_kib",
                    "agent_private_dirty_kib")),
        ("its RSS KiB", _field("agent_rss_kib")),
        ("pqbranch-edge-stub private KiB", _field("edge_private_kib")),
    ],
    "ikev2_setups*": [
        ("key exchange", _field("case")),
        ("auth", _field("auth")),
        ("set-ups × rounds", _formatted("{} × {}", "setups", "rounds")),
        ("pqbranch set-ups/s", _field("pqbranch_setups_per_s")),
        ("charon set-ups/s", _field("charon_setups_per_s")),
        ("ratio (median of rounds)", _formatted("**{}** ({})", "ratio", "median_ratio")),
        ("set-up p50 ms pqbranch / charon",
         _joined("pqbranch_setup_p50_ms", "charon_setup_p50_ms")),
    ],
    "ikev2_memory*": [
        ("key exchange", _field("case")),
        ("auth", _field("auth")),
        ("pqbranch-agent private KiB (clean + dirty)",
         _formatted("**{}** ({} + {})", "agent_private_kib", "agent_private_clean_kib",
                    "agent_private_dirty_kib")),
        ("charon private KiB (clean + dirty)",
         _formatted("**{}** ({} + {})", "charon_private_kib", "charon_private_clean_kib",
                    "charon_private_dirty_kib")),
        ("agent ÷ charon private (dirty only)", _formatted("{} ({})", "ratio", "dirty_ratio")),
        ("RSS KiB agent / charon", _joined("agent_rss_kib", "charon_rss_kib")),
    ],
}


def _load(result):
    return " ".join(result.load) if result.load else "–"


def _generic(results):
    keys = []
    for r in results:
        keys += [k for k in r.fields if k not in keys]
    return [("case", lambda r: _case(r.name))] + [(k, _field(k)) for k in keys]


def _row(cells):
    return "| " + " | ".join(cells) + " |"


def _table(columns, results):
    with_targets = any(verdicts(r) for r in results)
    headers = [h for h, _ in columns] + ["load 1/5/15 min"] + (["targets"] if with_targets else [])
    lines = [_row(headers), _row(["---"] * len(headers))]
    for r in results:
        cells = [cell(r) for _, cell in columns] + [_load(r)]
        if with_targets:
            cells.append("; ".join(verdicts(r)) or "–")
        lines.append(_row(cells))
    return "\n".join(lines)


def table(results):
    """The markdown tables of one benchmark's results, or a sentence when there are none."""
    if not results:
        return "_No results in this run._"
    groups = []  # (columns, results), in the order COLUMNS has them, then the unknown
    for pattern, columns in COLUMNS.items():
        matching = [r for r in results if fnmatch.fnmatchcase(r.name, pattern)]
        if matching:
            groups.append((columns, matching))
    known = {id(r) for _, rs in groups for r in rs}
    rest = [r for r in results if id(r) not in known]
    if rest:
        groups.append((_generic(rest), rest))
    return "\n\n".join(_table(columns, rs) for columns, rs in groups)


def status(run):
    """Every test of the run with its status, time and number of result lines."""
    lines = [_row(["test", "status", "seconds", "result lines"]), _row(["---"] * 4)]
    for t in run.tests:
        state = t.status if t.passed else f"**{t.status}**"
        lines.append(_row([f"`{t.name}`", state, t.seconds or "–", str(len(t.results))]))
    return "\n".join(lines)


def machine(run, keys):
    lines = [_row(["", "this run"]), _row(["---", "---"])]
    lines += [_row([label, run.machine[k]]) for k, label in keys if k in run.machine]
    return "\n".join(lines)


def history_table(rows, last=12):
    """The main ratios of the last runs, newest last."""
    runs = history.runs(rows)[-last:]
    columns = history.ratio_columns(rows)
    if not runs or not columns:
        return "_No history yet._"
    lines = [_row(["run"] + [c[0] for c in columns]), _row(["---"] * (len(columns) + 1))]
    for run in runs:
        cells = [history.value(rows, run, name, key) for _, name, key in columns]
        numbers = ["–" if v is None else f"{v:.2f}" for v in cells]
        lines.append(_row([history.run_label(run)] + numbers))
    return "\n".join(lines)
