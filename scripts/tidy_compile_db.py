#!/usr/bin/env python3
"""Writes the compile database clang-tidy reads: the build's, with each unity batch
(CMAKE_UNITY_BUILD's Unity/unity_N_cxx.cxx, which only #includes the real sources) replaced
by one entry per source it includes, compiled with the batch's command. Flags only GCC
knows are dropped (clang-tidy's warnings are errors).

    tidy_compile_db.py BUILD_DIR OUT_DIR
"""
import json
import os
import re
import shlex
import sys

UNITY = re.compile(r"/Unity/unity_\d+_cxx\.cxx$")
INCLUDE = re.compile(r'^#include "([^"]+\.cpp)"$', re.M)
GCC_ONLY = {"-Wno-subobject-linkage"}


def expand(entry):
    if not UNITY.search(entry["file"]):
        return [entry]
    with open(entry["file"]) as f:
        sources = INCLUDE.findall(f.read())
    args = entry.get("arguments") or shlex.split(entry["command"])
    out = []
    for src in sources:
        each = [src if a == entry["file"] else a for a in args if a not in GCC_ONLY]
        out.append({"directory": entry["directory"], "arguments": each, "file": src})
    return out


def main():
    build, out_dir = sys.argv[1], sys.argv[2]
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = [e for entry in json.load(f) for e in expand(entry)]
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "compile_commands.json"), "w") as f:
        json.dump(entries, f, indent=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
