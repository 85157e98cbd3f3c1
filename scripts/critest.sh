#!/bin/bash
# Runs the CRI conformance suite (critest v1.26.1 of the kit, see
# scripts/cri-kit.sh) against `stowage system cri` on a store of its own, in the
# kit's mirror mode: images keep their names (registry.k8s.io/..., gcr.io/...)
# and stowage pulls them from the kit's registry through the mirrors of a registries.conf.
#
#   scripts/critest.sh                the validation specs; last line "N passed, N failed, N skipped"
#   scripts/critest.sh --benchmark    critest -benchmark against stowage and the kit's containerd,
#                                     one after the other on this machine; prints both and the ratios
#   scripts/critest.sh -- ARGS...     extra critest/ginkgo flags (e.g. --ginkgo.focus=Streaming)
#
# Environment: CRI_KIT (default /opt/cri-tools), OUT (results folder, default a new one under
# /var/tmp), BENCH_PODS / BENCH_CONTAINERS (samples per benchmark, default 20), BENCH_SCRATCH (runs of
# the pod + container from scratch spec, one sample each, default 5), BENCH_ROUNDS (rounds, the
# runtimes taking turns at going first; default 2), TIMEOUT (seconds).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
kit=${CRI_KIT:-/opt/cri-tools}
mode=validate
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --benchmark) mode=benchmark ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: scripts/critest.sh [--benchmark] [-- critest flags]" >&2; exit 2 ;;
  esac
  shift
done

# critest's specs publish the fixed host ports 12000-12002 (and the benchmark wants
# the machine to itself): runs on one machine take turns
mkdir -p /run/lock
exec 9>/run/lock/stowage-critest.lock
if ! flock -n 9; then
  echo "critest: waiting for another critest run on this machine (fixed host ports 12000-12002)" >&2
  flock 9
fi
# (9>&-: what the kit starts must not hold the lock)
"$here/scripts/cri-kit.sh" >/dev/null 9>&-
out=${OUT:-$(mktemp -d /var/tmp/stowage-critest.XXXXXX)}
mkdir -p "$out"
work=$(mktemp -d /var/tmp/stowage-cri.XXXXXX)
sock="$work/cri.sock"
# the kit's mirror mode: the suite's registries are served by the kit's registry,
# through a containers-registries.conf(5) file as CRI-O's would have it
cat > "$work/registries.conf" <<EOF
[[registry]]
prefix = "registry.k8s.io"
location = "registry.k8s.io"
[[registry.mirror]]
location = "127.0.0.1:5000"

[[registry]]
prefix = "gcr.io"
location = "gcr.io"
[[registry.mirror]]
location = "127.0.0.1:5000"
EOF
: > "$work/cri.toml"
export STOWAGE_ROOT="$work/root" STOWAGE_RUNROOT="$work/run" STOWAGE_REGISTRIES_CONF="$work/registries.conf"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    "$kit/bin/crictl" --runtime-endpoint "unix://$sock" --image-endpoint "unix://$sock" rmp -fa >/dev/null 2>&1 || true
    kill -TERM "$server"; wait "$server" 2>/dev/null || true
  fi
  node "$here/bin/stowage" system reset -f >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
node "$here/bin/stowage" system cri --config "$work/cri.toml" "unix://$sock" >"$out/stowage-cri.log" 2>&1 9>&- &
server=$!
for _ in $(seq 1 100); do grep -q 'CRI listening' "$out/stowage-cri.log" 2>/dev/null && break; sleep 0.2; done
grep -q 'CRI listening' "$out/stowage-cri.log" || { cat "$out/stowage-cri.log" >&2; exit 1; }

if [ "$mode" = validate ]; then
  MODE=mirror OUT="$out/validation" TIMEOUT=${TIMEOUT:-1200} "$kit/run-critest.sh" "unix://$sock" "${extra[@]}" | tail -n +3
  exit 0
fi

# --benchmark: the same parameters for both runtimes, run one after the other
n_pods=${BENCH_PODS:-20}
n_ctrs=${BENCH_CONTAINERS:-20}
cat > "$out/benchmark-params.yaml" <<EOF
containersNumber: $n_ctrs
containersNumberParallel: 1
podsNumber: $n_pods
podsNumberParallel: 1
EOF
run_bench() { # NAME ENDPOINT (critest itself: its benchmark mode is succinct, run-critest.sh's is verbose)
  mkdir -p "$out/$1"
  : > "$out/$1/crictl-empty.yaml"
  (cd "$out/$1" && timeout --kill-after=30 "${TIMEOUT:-1800}" "$kit/bin/critest" --runtime-endpoint "$2" --image-endpoint "$2" \
    --config "$out/$1/crictl-empty.yaml" -benchmark --benchmarking-params-file "$out/benchmark-params.yaml" \
    --benchmarking-output-dir "$out/$1" --ginkgo.no-color --ginkgo.json-report "$out/$1/report.json" "${extra[@]}" >"$out/$1/critest.log" 2>&1) || true
  grep -oE '(SUCCESS|FAIL)! [^ ]+' "$out/$1/critest.log" | tail -1
  # the "from scratch" spec measures one pod + container each run: more runs, more samples
  for i in $(seq 2 "${BENCH_SCRATCH:-5}"); do
    (cd "$out/$1" && timeout --kill-after=30 600 "$kit/bin/critest" --runtime-endpoint "$2" --image-endpoint "$2" \
      --config "$out/$1/crictl-empty.yaml" -benchmark --ginkgo.focus='from scratch' --ginkgo.no-color \
      --ginkgo.json-report "$out/$1/report-scratch-$i.json" >>"$out/$1/critest-scratch.log" 2>&1) || true
  done
}
# rounds, the runtimes taking turns at going first (the machine's load changes as it goes)
for r in $(seq 1 "${BENCH_ROUNDS:-2}"); do
  if [ $((r % 2)) = 1 ]; then order="stowage containerd"; else order="containerd stowage"; fi
  for rt in $order; do
    if [ "$rt" = stowage ]; then ep="unix://$sock"; else ep="unix://$kit/containerd/containerd.sock"; fi
    printf 'round %s %-11s %s\n' "$r" "$rt:" "$(run_bench "$rt-r$r" "$ep")"
  done
done
python3 - "$out" <<'PY'
import json, os, statistics, sys
out = sys.argv[1]
def dirs(runtime):
    return [os.path.join(out, d) for d in sorted(os.listdir(out)) if d.startswith(runtime + "-r")]
def ops(runtime, name):
    cols = {}
    for rd in dirs(runtime):
        p = os.path.join(rd, name)
        if not os.path.exists(p):
            continue
        d = json.load(open(p))
        names = d["operationsNames"]
        for n in names:
            cols.setdefault(n, [])
        for dp in d.get("datapoints") or []:
            for n, ns in zip(names, dp["operationsDurationsNs"]):
                cols[n].append(ns / 1e6)
    return cols
def scratch(runtime):
    found = []
    for d in dirs(runtime):
      for f in sorted(os.listdir(d)):
        if not (f == "report.json" or f.startswith("report-scratch-")):
            continue
        for suite in json.load(open(os.path.join(d, f))):
            for r in suite.get("SpecReports") or []:
                for e in r.get("ReportEntries") or []:
                    v = (e.get("Value") or {}).get("AsJSON")
                    for m in (json.loads(v).get("Measurements", []) if v else []):
                        if m.get("Name") == "create PodSandbox and container":
                            found += [x / 1e6 for x in m.get("Durations") or []]
    return found
rows = []
for f in ("pod_benchmark_data.json", "container_benchmark_data.json"):
    s, c = ops("stowage", f), ops("containerd", f)
    for op in s:
        if s[op] and c.get(op):
            rows.append((op, statistics.median(s[op]), statistics.median(c[op]), len(s[op])))
    if "CreateContainer" in s and "StartContainer" in s and c.get("CreateContainer") and c.get("StartContainer"):
        both = lambda x: [a + b for a, b in zip(x["CreateContainer"], x["StartContainer"])]
        rows.append(("CreateContainer + StartContainer", statistics.median(both(s)), statistics.median(both(c)), len(s["CreateContainer"])))
s, c = scratch("stowage"), scratch("containerd")
if s and c:
    rows.append(("pod + container from scratch", statistics.median(s), statistics.median(c), len(s)))
print(f"{'operation':32} {'stowage ms':>11} {'containerd ms':>14} {'ratio':>6}  samples")
for op, a, b, n in rows:
    print(f"{op:32} {a:11.1f} {b:14.1f} {a / b:6.2f}  {n}")
PY
echo "results in $out"
