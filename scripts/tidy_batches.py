#!/usr/bin/env python3
"""Runs clang-tidy over the files tidy.sh found unchecked, several files per run.

Most of clang-tidy's time on one source file goes to the headers it includes (Boost, the
standard library): they are parsed and every check's matchers walk them again for each
file. Files of one CMake target that share a compile command are therefore checked together
as one translation unit: their texts one after the other, each behind a `#line 1` marker,
so every check sees each file's code as main-file code, as it does when the file is checked
alone. Diagnostics are mapped back to the file and line they came from.

A batch that does not compile as one unit (two files defining the same name in an unnamed
namespace, say) is checked again without the files its errors name, which are checked alone
(split in halves when the errors name none of its files); a file alone in its group is
checked with its own compile command. Results are cached per file: a passing batch marks
each of its files checked.

    tidy_batches.py DB_DIR CACHE_DIR JOBS < lines "FILE:KEY"   (DB_DIR: tidy_compile_db.py's)
"""
import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys

MAX_BATCH = 12  # files per batch: fewer, larger batches leave cores idle at the end
# clang-tidy 22 matches only declarations outside system headers (19 walked all of Boost for
# every check: 42 s for edge_server.cpp, 22 s with 22). fmt 10's compile-time format strings
# (FMT_STRING in spdlog's catch handler) are not constant expressions to clang 20 and later;
# the checks see fmt's run-time format strings instead (GCC's build still checks them).
TIDY = ["clang-tidy-22", "--extra-arg=-DFMT_CONSTEVAL="]


def compile_flags(entry):
    """The entry's command without what names the file (source, object, dependency file)."""
    args = entry.get("arguments") or shlex.split(entry["command"])
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
        elif a in ("-MD", "-MMD") or a == entry["file"]:
            continue
        else:
            out.append(a)
    return out


def target_of(entry):
    """The CMake target an entry's object belongs to (its CMakeFiles/<target>.dir): files of
    one library may be checked as one unit, a program's never with another program's."""
    args = entry.get("arguments") or shlex.split(entry["command"])
    out = args[args.index("-o") + 1] if "-o" in args else entry["file"]
    m = re.search(r"CMakeFiles/([^/]+)\.dir/", out)
    return m.group(1) if m else os.path.dirname(entry["file"])


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def check_alone(build, path):
    return run(TIDY + ["-p", build, "--quiet", path])


def check_batch(build, units, name, files, flags, directory):
    """One translation unit of FILES; returns (rc, output mapped to the files' lines)."""
    unit = os.path.join(units, name + ".cpp")
    starts = []  # (first line of the file in the unit, file)
    line = 1
    with open(unit, "w") as out:
        for f in files:
            with open(f) as src:
                text = src.read()
            if not text.endswith("\n"):
                text += "\n"
            out.write(f'#line 1 "{f}"\n')
            starts.append((line + 1, f))
            out.write(text)
            line += 1 + text.count("\n")
    db = os.path.join(units, name)
    os.makedirs(db, exist_ok=True)
    # Quoted includes are found beside the including file: beside the originals here.
    quote_dirs = sorted({os.path.dirname(f) for f in files})
    args = flags + [a for d in quote_dirs for a in ("-iquote", d)] + ["-c", unit]
    with open(os.path.join(db, "compile_commands.json"), "w") as out:
        json.dump([{"directory": directory, "arguments": args, "file": unit}], out)
    rc, text = run(TIDY + ["-p", db, "--quiet", unit])

    def where(m):
        n = int(m.group(1))
        first, f = max((s for s in starts if s[0] <= n), default=starts[0])
        return f"{f}:{n - first + 1}:"

    return rc, re.sub(re.escape(unit) + r":(\d+):", where, text)


def main():
    build, cache, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    build = os.path.abspath(build)
    entries = {}
    with open(os.path.join(build, "compile_commands.json")) as f:
        for e in json.load(f):
            entries[os.path.relpath(os.path.join(e["directory"], e["file"]))] = e
    groups = {}
    for line in sys.stdin.read().split():
        path, key = line.rsplit(":", 1)
        e = entries.get(path)
        flags = compile_flags(e) if e else None
        group = (target_of(e) if e else path, tuple(flags) if flags else path)
        groups.setdefault(group, []).append((path, key))

    units = os.path.join(build, "tidy-units")
    os.makedirs(units, exist_ok=True)
    tasks = []
    # A file without a compile command is grouped by its path (a str) beside flag tuples.
    for (target, flags), members in sorted(groups.items(), key=lambda g: repr(g[0])):
        if len(members) == 1 or isinstance(flags, str):
            tasks += [("alone", [m]) for m in members]
            continue
        for i in range(0, len(members), MAX_BATCH):
            tasks.append(("batch", members[i:i + MAX_BATCH]))

    def do(task):
        kind, members = task
        files = [os.path.abspath(p) for p, _ in members]
        if kind == "alone" or len(members) == 1:
            return [(k, *check_alone(build, f)) for (_, k), f in zip(members, files)]
        e = entries[members[0][0]]
        name = members[0][0].replace("/", "_").removesuffix(".cpp") + f"_{len(members)}"
        rc, text = check_batch(build, units, name, files, compile_flags(e), e["directory"])
        if rc == 0:
            return [(k, 0, "") for _, k in members]
        if "clang-diagnostic-error" not in text:
            # Findings: the batch fails (no file in it is marked checked).
            return [(None, rc, text)]
        # The files do not compile as one unit. The files its errors and their notes name
        # (a redefinition and the previous definition) are checked alone and the rest once
        # more as a batch; when that names nothing useful, each half on its own.
        named = set(re.findall(r"^(/[^:\n]+):\d+:\d+: (?:error|note):", text, re.M))
        apart = [m for m, f in zip(members, files) if f in named]
        names = ", ".join(os.path.basename(p) for p, _ in apart) or "none of its files"
        print(f"clang-tidy: a batch of {len(members)} did not compile as one unit; "
              f"errors name {names}", file=sys.stderr)
        if apart and len(apart) < len(members):
            rest = [m for m in members if m not in apart]
            return do(("batch", rest)) + [r for m in apart for r in do(("alone", [m]))]
        half = len(members) // 2
        return do(("batch", members[:half])) + do(("batch", members[half:]))

    failed = False
    # Largest batches first, so that the last ones to finish are short.
    tasks.sort(key=lambda t: -len(t[1]))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
        for results in pool.map(do, tasks):
            for key, rc, text in results:
                if rc == 0 and key:
                    open(os.path.join(cache, key), "w").close()
                elif rc != 0:
                    failed = True
                    sys.stdout.write(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
