#!/usr/bin/env bash
# Fleet learning benchmark: /infer latency while a device trains federated rounds, against the same device outside
# a round (the limit, measured in the same run), on the real jar and the real Flower server of ../shared/flower;
# prints the numbers the server README reports under "Fleet learning".
#
#   server/src/bench/fleet-bench.sh [JAR]      (from the repository root; default JAR: server/target/edge-trainer.jar)
#
# Needs: java 17, curl, wrk, python3 with Flower's Debian packages (../shared/flower/install-deps.sh) and the
# Fashion-MNIST test set from Debian's dataset-fashion-mnist. Environment: BENCH_PORT (18081), FLOWER_PORT (19192),
# BENCH_SECONDS per wrk run (10), ROUNDS (30), EPOCHS per round (2). The device keeps the 10000 t10k samples and
# trains on its ~9000 training samples each round; wrk sends one PNG per request over 4 connections.
set -euo pipefail

JAR=$(realpath "${1:-server/target/edge-trainer.jar}")
HERE=$(cd "$(dirname "$0")" && pwd)
FLOWER=$(realpath "$HERE/../../../../shared/flower")
HELPER=$HERE/../test/java/dev/edgetrainer/server/bench/BenchHelper.java
PORT=${BENCH_PORT:-18081}
FLOWER_PORT=${FLOWER_PORT:-19192}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
ROUNDS=${ROUNDS:-30}
EPOCHS=${EPOCHS:-2}
DATASET=/usr/share/datasets/fashion-mnist
BASE=http://127.0.0.1:$PORT
WORK=$(mktemp -d)
SERVER_PID=
FLOWER_PID=

cleanup() {
    for pid in $FLOWER_PID $SERVER_PID; do
        if kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

for tool in java curl wrk; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y wrk)" >&2; exit 1; }
done
[[ -x $FLOWER/run-server.sh ]] || { echo "missing the Flower server in $FLOWER" >&2; exit 1; }
[[ -f $DATASET/t10k-images-idx3-ubyte.gz ]] || { echo "missing $DATASET (apt-get install dataset-fashion-mnist)" >&2; exit 1; }

java -Djarmode=tools -jar "$JAR" extract --destination "$WORK/jar" >/dev/null
java -cp "$WORK/jar/lib/*" "$HELPER" data "$WORK/data"
PNG=$(ls "$WORK"/data/sample0-*.png)

java -jar "$JAR" --server.port="$PORT" --edge.checkpoint.dir="$WORK/checkpoints" --edge.data.dir="$WORK/samples" \
    --edge.federated.server=127.0.0.1:"$FLOWER_PORT" --edge.federated.reconnect.max=2s \
    --edge.train.sync-timeout=120s >"$WORK/device.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do curl -sf "$BASE/actuator/health/readiness" >/dev/null 2>&1 && break; sleep 0.05; done
curl -sf -o /dev/null -F images=@"$DATASET/t10k-images-idx3-ubyte.gz" -F labels=@"$DATASET/t10k-labels-idx1-ubyte.gz" \
    "$BASE/train?keep=true&batchSize=100"
echo "kept: $(curl -sf "$BASE/data" | sed 's/.*"samples":\([0-9]*\),"training":\([0-9]*\).*/\1 samples, \2 for training/')"

printf '%s\n' "local f = assert(io.open(\"$PNG\", \"rb\"))" 'wrk.method = "POST"' 'wrk.body = f:read("*a")' 'f:close()' \
    'wrk.headers["Content-Type"] = "image/png"' >"$WORK/infer.lua"
infer_run() { # label
    wrk -t2 -c4 -d"${SECONDS_PER_RUN}s" --latency --timeout 10s -s "$WORK/infer.lua" "$BASE/infer" >"$WORK/$1.txt"
    printf '%-18s p50 %-9s p99 %-9s %s req/s %s\n' "$1" "$(awk '$1 == "50%" {print $2}' "$WORK/$1.txt")" \
        "$(awk '$1 == "99%" {print $2}' "$WORK/$1.txt")" "$(awk '/Requests\/sec/ {print $2}' "$WORK/$1.txt")" \
        "$(grep -E 'Non-2xx' "$WORK/$1.txt" || true)"
}
activity() { curl -sf "$BASE/federated" | sed 's/.*"activity":"\([A-Z_]*\)".*/\1/'; }

echo "== /infer, one PNG, 4 connections, $SECONDS_PER_RUN s each (load average $(cut -d' ' -f1-3 /proc/loadavg))"
infer_run warm-up >/dev/null
infer_run outside-1

"$FLOWER/run-server.sh" --port "$FLOWER_PORT" --rounds "$ROUNDS" --min-clients 1 --evaluate --out "$WORK/flower" \
    --config "{\"epochs\": $EPOCHS, \"batch_size\": 32}" >"$WORK/flower.log" 2>&1 &
FLOWER_PID=$!
curl -sf -o /dev/null -X POST "$BASE/federated/connect"
for _ in $(seq 1 1200); do [[ $(activity) == FITTING ]] && break; sleep 0.05; done
for run in 1 2 3; do
    infer_run "during-rounds-$run"
done
wait "$FLOWER_PID" && FLOWER_STATUS=0 || FLOWER_STATUS=$?
FLOWER_PID=
infer_run outside-2

METRICS=$(curl -sf "$BASE/actuator/prometheus")
# A series by name and, optionally, one of its labels (every series also carries the label device="...").
metric() {
    echo "$METRICS" | awk -v name="$1" -v label="${2:-}" '
        index($0, name) == 1 && substr($0, length(name) + 1, 1) ~ /[{ ]/ && index($0, label) { print $NF; exit }'
}
FITS=$(metric 'edge_federated_rounds_total')
FIT_SECONDS=$(metric 'edge_federated_round_duration_seconds_sum')
BYTES_IN=$(metric 'edge_federated_bytes_total' 'direction="in"')
BYTES_OUT=$(metric 'edge_federated_bytes_total' 'direction="out"')
RUN=$(sed -n 's/.*Run finished \([0-9]*\) round(s) in \([0-9.]*\)s.*/\1 \2/p' "$WORK/flower.log")
LAST=$(curl -sf "$BASE/federated" | sed 's/.*"lastEvaluation":{\([^}]*\)}.*/\1/')
p99() { awk '$1 == "99%" {print $2}' "$WORK/$1.txt"; }

echo
echo "== results ($(nproc) cores, $(uname -m), load average $(cut -d' ' -f1-3 /proc/loadavg), Flower exit $FLOWER_STATUS)"
echo "/infer p99 outside rounds          : $(p99 outside-1), $(p99 outside-2)"
echo "/infer p99 during rounds           : $(p99 during-rounds-1), $(p99 during-rounds-2), $(p99 during-rounds-3)"
echo "/infer runs with non-2xx answers   : $(cat "$WORK"/outside-*.txt "$WORK"/during-rounds-*.txt | grep -c Non-2xx || true)"
# awk, not bc: Prometheus writes large counts as 3.7E7.
calc() { awk "BEGIN {printf \"%.2f\", $1}"; }
echo "rounds (the server's own clock)    : ${RUN% *} in ${RUN#* } s, $(calc "${RUN#* } / ${RUN% *}") s per round (fit of $EPOCHS epochs, evaluate)"
echo "fit on the device (mean)           : $(calc "$FIT_SECONDS / $FITS") s"
echo "bytes per round (device)           : $(calc "$BYTES_IN / $FITS") in, $(calc "$BYTES_OUT / $FITS") out"
echo "last evaluation on the device      : $LAST"
