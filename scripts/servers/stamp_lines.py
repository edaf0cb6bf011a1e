#!/usr/bin/env python3
"""Copies JSON lines from stdin to FILE, adding "t": the arrival time (Unix seconds) of each —
for the benchmark's receiver (`messenger xmpp listen … | stamp_lines.py rx.jsonl`).
"""
import json, sys, time

out = open(sys.argv[1], "a", encoding="utf-8", buffering=1)
for line in sys.stdin:
    try:
        obj = json.loads(line)
    except ValueError:
        continue
    obj["t"] = time.time()
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
