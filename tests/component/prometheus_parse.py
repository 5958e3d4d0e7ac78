#!/usr/bin/env python3
"""Parses a Prometheus text exposition with the Prometheus client library's own parser and
prints one line per sample: name, labels (sorted, k=v joined by ','), value. Exit 1 on a
parse error, so a malformed exposition fails the test that runs this."""
import sys

from prometheus_client.parser import text_string_to_metric_families

try:
    with open(sys.argv[1], encoding="utf-8") as f:
        families = list(text_string_to_metric_families(f.read()))
except Exception as e:  # the parser raises ValueError and others on malformed input
    print(f"parse error: {e}", file=sys.stderr)
    sys.exit(1)
for family in families:
    for s in family.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        print(f"{s.name} {labels} {s.value:g}")
