#!/usr/bin/env bash
# MakeCert(RSA-2048) against the article's `openssl req -newkey rsa:2048 -nodes -x509 …`, both
# as whole processes (start, key generation, signing, files), in the same run.
#
#   bash scripts/bench/bench-cert.sh [RUNS]     (default 30; at least 20)
#
# The two commands alternate run by run, so a build or anything else that loads the machine
# meanwhile hurts both alike. RSA key generation is a prime search whose time varies several-fold
# from run to run, which is why medians of many runs are compared. Ours does more work than the
# openssl command (it also writes the PFX), as MakeCert does. Goal: our median <= 0.8 x OpenSSL's.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs="${1:-30}"
if [ "$runs" -lt 20 ]; then
    echo "bench-cert: at least 20 runs each, got $runs" >&2
    exit 2
fi
command -v openssl >/dev/null || { echo "bench-cert: openssl missing (scripts/deps/cert.apt)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench-cert: python3 missing (scripts/deps/cert.apt)" >&2; exit 1; }

cargo build --release --quiet --bin messenger
bin="$PWD/target/release/messenger"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "bench-cert: $runs runs each, interleaved; $(openssl version); $(nproc) cores"
BENCH_PFX_PASSWORD=bench-password python3 - "$runs" "$bin" "$work" <<'PY'
import os, statistics, subprocess, sys, time

runs, binary, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
subject = dict(C="RU", ST="Orenburg", L="Orenburg", O="Test", CN="203.0.113.7")
ours = [binary, "cert", "--cn", subject["CN"], "--dir", os.path.join(work, "ours"),
        "--password-env", "BENCH_PFX_PASSWORD", "--overwrite", "--days", "365",
        "--country", subject["C"], "--state", subject["ST"], "--locality", subject["L"],
        "--org", subject["O"]]
openssl = ["openssl", "req", "-newkey", "rsa:2048", "-sha256", "-nodes",
           "-keyout", os.path.join(work, "openssl.key"), "-x509", "-days", "365",
           "-out", os.path.join(work, "openssl.pem"),
           "-subj", "/" + "/".join(f"{k}={v}" for k, v in subject.items())]

def once(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000.0

# One warm-up each: the first start pays for loading the binaries from disk.
once(ours); once(openssl)
times = {"messenger cert": [], "openssl req": []}
for _ in range(runs):
    times["messenger cert"].append(once(ours))
    times["openssl req"].append(once(openssl))

def describe(ms):
    q = statistics.quantiles(ms, n=4)
    return (f"median {statistics.median(ms):7.1f} ms  p25 {q[0]:7.1f}  p75 {q[2]:7.1f}  "
            f"min {min(ms):7.1f}  max {max(ms):7.1f}")

for name, ms in times.items():
    print(f"{name:15} n={len(ms)}  {describe(ms)}")
ratio = statistics.median(times["messenger cert"]) / statistics.median(times["openssl req"])
verdict = "met" if ratio <= 0.8 else "NOT met"
print(f"ratio (messenger / openssl, medians): {ratio:.2f}  goal <= 0.80: {verdict}")
PY
