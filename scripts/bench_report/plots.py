"""SVG charts drawn by gnuplot (svg terminal): bars with optional per-bar targets, clustered
bars with an optional horizontal target, and lines over runs. Each takes plain labels and
numbers; charts.py decides what goes in them."""

import shutil
import subprocess

RED = "#c0392b"
COLOURS = ("#4a78b5", "#e08e2b", "#5a9e4b", "#8e5ea2", "#8c564b", "#d45087", "#7f7f7f")


def available():
    return shutil.which("gnuplot") is not None


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _colour(k):
    return f"lc rgb '{COLOURS[k % len(COLOURS)]}'"


def _header(path, title, ylabel, labels, top, width=860, height=520):
    tics = ", ".join(f"{_quote(label)} {i}" for i, label in enumerate(labels))
    return f"""set terminal svg size {width},{height} dynamic noenhanced font 'sans,12' \\
  background rgb 'white'
set output {_quote(path)}
set title {_quote(title)}
set ylabel {_quote(ylabel)}
set grid ytics
set key outside top center horizontal
set border 3
set style fill solid 0.85 border -1
set datafile missing '?'
set xtics ({tics}) rotate by 30 right nomirror
set ytics nomirror
set xrange [-0.6:{len(labels) - 0.4}]
set yrange [0:{top}]
set bmargin 13
set lmargin 24
set rmargin 3
"""


def _top(values):
    finite = [v for v in values if v is not None]
    return max(finite, default=1) * 1.18 or 1


def _hline(value, style):
    """A horizontal line across the whole chart."""
    return f"set arrow from graph 0, first {value} to graph 1, first {value} nohead {style}\n"


def _data(labels, series):
    """$d: one row per label, its index then each series' value ('?' where missing)."""
    rows = [
        "\t".join([str(i)] + ["?" if values[i] is None else str(values[i]) for _, values in series])
        for i in range(len(labels))
    ]
    return "$d << EOD\n" + "\n".join(rows) + "\nEOD\n"


def _run(script):
    subprocess.run(["gnuplot"], input=script, text=True, check=True, capture_output=True)


def bars(path, title, ylabel, rows):
    """rows: (label, value, target or None); targets are red dashes across their bar."""
    labels = [r[0] for r in rows]
    script = _header(path, title, ylabel, labels, _top([r[1] for r in rows] + [r[2] for r in rows]))
    for i, (_, _, target) in enumerate(rows):
        if target is not None:
            script += (f"set arrow from {i - 0.42},{target} to {i + 0.42},{target} nohead lw 3 "
                       f"lc rgb '{RED}' front\n")
    script += _data(labels, [("", [r[1] for r in rows])])
    script += (
        f"plot $d using 1:2:(0.6) with boxes {_colour(0)} title 'measured', "
        "$d using 1:2:(sprintf('%g', $2)) with labels offset 0,0.8 notitle"
    )
    if any(r[2] is not None for r in rows):
        script += f", NaN with lines lw 3 lc rgb '{RED}' title 'target'"
    _run(script + "\n")


def clustered(path, title, ylabel, labels, series, line=None):
    """series: (name, values per label); line: (value, name) drawn across the chart."""
    values = [v for _, vs in series for v in vs] + ([line[0]] if line else [])
    script = _header(path, title, ylabel, labels, _top(values))
    if line:
        script += _hline(line[0], f"lw 2 dt 2 lc rgb '{RED}' front")
    script += _data(labels, series)
    width = 0.8 / len(series)
    clauses = []
    for k, (name, _) in enumerate(series):
        x = f"($1 - 0.4 + {width * (k + 0.5)})"
        clauses.append(f"$d using {x}:{k + 2}:({width * 0.95}) with boxes {_colour(k)} "
                       f"title {_quote(name)}")
        clauses.append(f"$d using {x}:{k + 2}:(sprintf('%g', ${k + 2})) with labels "
                       "offset 0,0.8 font ',10' notitle")
    if line:
        clauses.append(f"NaN with lines lw 2 dt 2 lc rgb '{RED}' title {_quote(line[1])}")
    _run(script + "plot " + ", ".join(clauses) + "\n")


def lines(path, title, ylabel, labels, series, targets=()):
    """series: (name, values per label, None where missing); targets: (value, name)."""
    values = [v for _, vs in series for v in vs] + [t[0] for t in targets]
    script = _header(path, title, ylabel, labels, _top(values), width=1000, height=480)
    script += "set rmargin -1\nset key outside right top vertical font ',10'\n"
    for value, _ in targets:
        script += _hline(value, f"lw 1 dt 2 lc rgb '{RED}'")
    script += _data(labels, series)
    clauses = [
        f"$d using 1:{k + 2} with linespoints lw 2 pt 7 {_colour(k)} title {_quote(name)}"
        for k, (name, _) in enumerate(series)
    ]
    _run(script + "plot " + ", ".join(clauses) + "\n")
