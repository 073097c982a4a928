#!/usr/bin/env bash
# EdgeTrainer benchmark: runs the real jar on loopback and prints the numbers the README reports.
#
#   server/src/bench/bench.sh [JAR]        (from the repository root; default JAR: server/target/edge-trainer.jar)
#
# Needs: java 17, curl, wrk, hyperfine (Debian: apt-get install -y wrk hyperfine) and the Fashion-MNIST test set
# from Debian's dataset-fashion-mnist. Environment: BENCH_PORT (18080), BENCH_SECONDS per wrk run (10),
# JAVA_OPTS for the server JVM. Every load goes to 127.0.0.1 only and every step is bounded in time; the whole run
# takes about two minutes.
set -euo pipefail

JAR=$(realpath "${1:-server/target/edge-trainer.jar}")
HERE=$(cd "$(dirname "$0")" && pwd)
# Compiled and tested with the server's tests (BenchHelperTests), run here from source with the jar's libraries.
HELPER=$HERE/../test/java/dev/edgetrainer/server/bench/BenchHelper.java
PORT=${BENCH_PORT:-18080}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
JAVA_OPTS=${JAVA_OPTS:-}
DATASET=/usr/share/datasets/fashion-mnist
BASE=http://127.0.0.1:$PORT
WORK=$(mktemp -d)
SERVER_PID=

cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

for tool in java curl wrk hyperfine; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y wrk hyperfine)" >&2; exit 1; }
done
[[ -f $DATASET/t10k-images-idx3-ubyte.gz ]] || { echo "missing $DATASET (apt-get install dataset-fashion-mnist)" >&2; exit 1; }

# Test data and the in-process baseline run with the jar's own libraries.
java -Djarmode=tools -jar "$JAR" extract --destination "$WORK/jar" >/dev/null
CP="$WORK/jar/lib/*"
java -cp "$CP" "$HELPER" data "$WORK/data"
PNG=$(ls "$WORK"/data/sample0-*.png)
gunzip -c "$DATASET/t10k-images-idx3-ubyte.gz" >"$WORK/data/images.idx"
gunzip -c "$DATASET/t10k-labels-idx1-ubyte.gz" >"$WORK/data/labels.idx"
unzip -p "$JAR" BOOT-INF/classes/models/fashion-mnist.tflite >"$WORK/model.tflite"

start_server() {
    # shellcheck disable=SC2086
    # A long sync timeout keeps every /train request synchronous, so it is timed whole even on a loaded machine
    # (a 202 would end the request early, and the next one would meet the running job with 409).
    java $JAVA_OPTS -jar "$JAR" --server.port="$PORT" --edge.checkpoint.dir="$WORK/checkpoints" \
        --edge.queue.capacity=256 --edge.train.sync-timeout=120s >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        curl -sf "$BASE/actuator/health/readiness" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "server did not become ready; log:" >&2
    cat "$WORK/server.log" >&2
    exit 1
}

stop_server() {
    kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}

echo "== startup to ready (JVM launch until /actuator/health/readiness is UP), 5 runs"
cat >"$WORK/start-ready.sh" <<EOF
java $JAVA_OPTS -jar "$JAR" --server.port=$PORT --edge.checkpoint.dir="$WORK/checkpoints" >/dev/null 2>&1 &
pid=\$!
for _ in \$(seq 1 600); do curl -sf $BASE/actuator/health/readiness >/dev/null 2>&1 && break; sleep 0.02; done
kill \$pid; wait \$pid 2>/dev/null || true
EOF
hyperfine --runs 5 --warmup 1 --export-json "$WORK/startup.json" "bash $WORK/start-ready.sh" | grep -E "Time|Range"

echo "== startup to ready from the extracted jar with a class-data-sharing archive (the recommended deployment)"
java -XX:ArchiveClassesAtExit="$WORK/app.jsa" -Dspring.context.exit=onRefresh -jar "$WORK/jar/edge-trainer.jar" \
    --server.port="$PORT" --edge.checkpoint.dir="$WORK/checkpoints" >/dev/null 2>&1
sed -e "s|-jar \"$JAR\"|-XX:SharedArchiveFile=$WORK/app.jsa -jar $WORK/jar/edge-trainer.jar|" \
    "$WORK/start-ready.sh" >"$WORK/start-ready-cds.sh"
hyperfine --runs 5 --warmup 1 --export-json "$WORK/startup-cds.json" "bash $WORK/start-ready-cds.sh" | grep -E "Time|Range"

start_server
cat >"$WORK/infer.lua" <<EOF
local f = assert(io.open("$PNG", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "image/png"
EOF

wrk_run() { # connections threads url [script]
    local args=(-t"$2" -c"$1" -d"${SECONDS_PER_RUN}s" --latency --timeout 10s)
    [[ -n ${4:-} ]] && args+=(-s "$4")
    wrk "${args[@]}" "$3"
}

echo "== warm-up"
wrk_run 8 2 "$BASE/infer" "$WORK/infer.lua" >/dev/null

echo "== /infer, one PNG, concurrency 1"
wrk_run 1 1 "$BASE/infer" "$WORK/infer.lua" | tee "$WORK/infer-c1.txt" | grep -E "Requests/sec|50%|99%|Non-2xx"

echo "== /infer, one PNG, concurrency 32"
wrk_run 32 2 "$BASE/infer" "$WORK/infer.lua" | tee "$WORK/infer-c32.txt" | grep -E "Requests/sec|50%|99%|Non-2xx"

echo "== /actuator/health, concurrency 32"
wrk_run 32 2 "$BASE/actuator/health" | tee "$WORK/health-c32.txt" | grep -E "Requests/sec|50%|99%|Non-2xx"

echo "== /train, Fashion-MNIST t10k as IDX (10000 samples, batchSize=100, 100 steps a request), 5 runs"
hyperfine --runs 5 --warmup 1 --export-json "$WORK/train.json" \
    "curl -sf -o /dev/null -F images=@$WORK/data/images.idx -F labels=@$WORK/data/labels.idx '$BASE/train?batchSize=100&shuffle=false'" \
    | grep -E "Time|Range"

echo "== /train, the same upload trained for 5 epochs (50000 samples, 500 steps a request), 5 runs"
hyperfine --runs 5 --warmup 1 --export-json "$WORK/train5.json" \
    "curl -sf -o /dev/null -F images=@$WORK/data/images.idx -F labels=@$WORK/data/labels.idx '$BASE/train?batchSize=100&shuffle=false&epochs=5'" \
    | grep -E "Time|Range"

echo "== in-process train, 100-sample batches, same model"
INPROCESS=$(java -cp "$CP" "$HELPER" train "$WORK/model.tflite" 10)

SERVED=$(curl -sf "$BASE/actuator/prometheus" | awk '/^edge_infer_latency_seconds_count/ {print int($2)}')
RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
stop_server

json_mean() { sed -n 's/.*"mean": *\([0-9.e+-]*\).*/\1/p' "$1" | head -1; }
rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
p50() { awk '$1 == "50%" {print $2}' "$1"; }
INFER32=$(rps "$WORK/infer-c32.txt")
HEALTH32=$(rps "$WORK/health-c32.txt")
TRAIN_SECONDS=$(json_mean "$WORK/train.json")
TRAIN5_SECONDS=$(json_mean "$WORK/train5.json")

echo
echo "== results ($(nproc) cores, $(uname -m), java $(java -version 2>&1 | head -1 | cut -d'"' -f2), JAVA_OPTS='$JAVA_OPTS')"
printf 'startup to ready (mean of 5)        : %.2f s plain jar, %.2f s extracted + CDS   (goal < 3 s)\n' \
    "$(json_mean "$WORK/startup.json")" "$(json_mean "$WORK/startup-cds.json")"
printf '/infer p50 at concurrency 1         : %s\n' "$(p50 "$WORK/infer-c1.txt")"
printf '/infer req/s at concurrency 32      : %s   /actuator/health: %s   ratio %.2f (goal >= 0.6)\n' \
    "$INFER32" "$HEALTH32" "$(echo "$INFER32 / $HEALTH32" | bc -l)"
printf '/train samples/s (IDX, batch 100)   : %.0f   in-process: %s   ratio %.2f (goal >= 0.8)\n' \
    "$(echo "10000 / $TRAIN_SECONDS" | bc -l)" "$INPROCESS" "$(echo "10000 / $TRAIN_SECONDS / $INPROCESS" | bc -l)"
printf '/train samples/s, 5 epochs an upload: %.0f   in-process: %s   ratio %.2f (goal >= 0.8)\n' \
    "$(echo "50000 / $TRAIN5_SECONDS" | bc -l)" "$INPROCESS" "$(echo "50000 / $TRAIN5_SECONDS / $INPROCESS" | bc -l)"
printf 'RSS after %s inferences            : %d MB   (goal < 300 MB)\n' "$SERVED" $((RSS_KB / 1024))
