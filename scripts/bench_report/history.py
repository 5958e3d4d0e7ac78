"""docs/bench/history.tsv: one row per (run, result), appended by every report. A run is
named by its start (the machine lines' date) and revision; a report made again from the
same log replaces that run's rows instead of adding them twice. Rows with source
`transcribed` were copied by hand from the prose of earlier runs (docs/benchmarks-history.md)."""

import csv
import fnmatch
import os

from measures import RATIOS, label

COLUMNS = ("run", "revision", "source", "test", "name", "load1", "fields")


def read(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return [row for row in csv.DictReader(f, delimiter="\t") if row.get("run")]


def rows_of(run, source="log"):
    machine = run.machine
    return [
        {
            "run": machine.get("date", "?"),
            "revision": machine.get("revision", "?"),
            "source": source,
            "test": r.test,
            "name": r.name,
            "load1": r.load[0] if r.load else "",
            "fields": " ".join(f"{k}={v}" for k, v in r.fields.items()),
        }
        for r in run.results()
    ]


def merge(old, new):
    """The old rows without those of the new rows' run, then the new ones."""
    runs = {(r["run"], r["revision"], r["source"]) for r in new}
    return [r for r in old if (r["run"], r["revision"], r["source"]) not in runs] + new


def write(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, COLUMNS, delimiter="\t", lineterminator="\n")
        out.writeheader()
        out.writerows(rows)


def runs(rows):
    """The runs in the order they were appended: [(run, revision, source)]."""
    seen = []
    for r in rows:
        key = (r["run"], r["revision"], r["source"])
        if key not in seen:
            seen.append(key)
    return seen


def value(rows, run, name, key):
    for r in rows:
        if (r["run"], r["revision"], r["source"]) == run and r["name"] == name:
            for token in r["fields"].split():
                k, _, v = token.partition("=")
                if k == key:
                    return float(v)
    return None


def names(rows):
    seen = []
    for r in rows:
        if r["name"] not in seen:
            seen.append(r["name"])
    return seen


def run_label(run):
    when, revision, source = run
    return f"{revision} {when[:16].replace('T', ' ')}" + (" (t)" if source == "transcribed" else "")


def ratio_columns(rows):
    """The main ratios (measures.RATIOS) the history has: [(label, name, key)]."""
    return [
        (label(name, suffix), name, key)
        for pattern, key, suffix in RATIOS
        for name in names(rows)
        if fnmatch.fnmatchcase(name, pattern)
    ]
