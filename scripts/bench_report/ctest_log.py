"""Reads the output of `ctest -V` of a benchmark run: the machine lines bench.sh printed
before it, each test's status, and the `bench result` lines the benchmarks printed."""

import re
from dataclasses import dataclass, field

_START = re.compile(r"^\s*Start\s+(\d+): (\S+)$")
_OUTPUT = re.compile(r"^(\d+): (.*)$")
_SUMMARY = re.compile(r"^\s*\d+/\d+ Test\s+#(\d+): (\S+) \.*\s*(.*?)\s+([\d.]+) sec$")
_RESULT = re.compile(r"^\s*bench result (.*)$")
_MACHINE = re.compile(r"^bench machine (\w+)=(.*)$")
LOAD_KEYS = ("load1", "load5", "load15")


@dataclass
class Result:
    """One `bench result name=... key=value ...` line."""

    test: str
    name: str
    fields: dict
    load: tuple  # (load1, load5, load15) as printed, or () if the line had none


@dataclass
class Test:
    name: str
    status: str = "did not finish"
    seconds: str = ""
    results: list = field(default_factory=list)

    @property
    def passed(self):
        return self.status == "Passed"


@dataclass
class Run:
    machine: dict = field(default_factory=dict)
    tests: list = field(default_factory=list)

    def results(self, test=None):
        return [r for t in self.tests for r in t.results if test is None or r.test == test]


def short_name(test):
    """bench.keysvc_rates -> keysvc_rates"""
    return test.split(".", 1)[1] if test.startswith("bench.") else test


def parse_result(test, text):
    fields = {}
    for token in text.split():
        key, sep, value = token.partition("=")
        if sep:
            fields[key] = value
    name = fields.pop("name", short_name(test))
    load = tuple(fields.pop(k) for k in LOAD_KEYS if k in fields)
    return Result(test=short_name(test), name=name, fields=fields, load=load)


def parse(lines):
    run = Run()
    by_number = {}
    for raw in lines:
        line = raw.rstrip("\n")
        if m := _MACHINE.match(line):
            run.machine[m[1]] = m[2].strip()
        elif m := _START.match(line):
            by_number[m[1]] = Test(m[2])
            run.tests.append(by_number[m[1]])
        elif m := _SUMMARY.match(line):
            test = by_number.get(m[1])
            if test is None:
                test = by_number[m[1]] = Test(m[2])
                run.tests.append(test)
            test.status = m[3].strip("* ") or "?"
            test.seconds = m[4]
        elif m := _OUTPUT.match(line):
            test = by_number.get(m[1])
            if test and (r := _RESULT.match(m[2])):
                test.results.append(parse_result(test.name, r[1]))
    return run


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return parse(f)
