#!/usr/bin/env bash
# EdgeTrainer benchmark: every figure of server/README.md's Performance section, in one run, each with its spread
# over runs, its limit measured in the same run, and the load average it ran under.
#
#   server/src/bench/bench.sh [JAR]        (from the repository root; default JAR: server/target/edge-trainer.jar)
#
# Needs: java 17, curl, wrk, hyperfine, bc (Debian: apt-get install -y wrk hyperfine bc) and the Fashion-MNIST test
# set from Debian's dataset-fashion-mnist. Environment: BENCH_PORT (18080), BENCH_SECONDS per wrk run and per
# in-process measure (10), BENCH_RUNS per wrk figure (3), JAVA_OPTS for the server JVM. Every load goes to 127.0.0.1
# only and every step is bounded in time; the whole run takes about fifteen minutes. Run it on a quiet machine: the
# load average printed beside each figure says whether it was.
set -euo pipefail

JAR=$(realpath "${1:-server/target/edge-trainer.jar}")
HERE=$(cd "$(dirname "$0")" && pwd)
# Compiled and tested with the server's tests (BenchHelperTests), run here from source with the jar's libraries.
HELPER=$HERE/../test/java/dev/edgetrainer/server/bench/BenchHelper.java
PORT=${BENCH_PORT:-18080}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
RUNS=${BENCH_RUNS:-3}
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

for tool in java curl wrk hyperfine bc; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y wrk hyperfine bc)" >&2; exit 1; }
done
[[ -f $DATASET/t10k-images-idx3-ubyte.gz ]] || { echo "missing $DATASET (apt-get install dataset-fashion-mnist)" >&2; exit 1; }

load() { cut -d' ' -f1 /proc/loadavg; }

# Test data, the big model and the in-process figures run with the jar's own libraries.
java -Djarmode=tools -jar "$JAR" extract --destination "$WORK/jar" --application-filename edge-trainer.jar >/dev/null
CP="$WORK/jar/lib/*"
java -cp "$CP" "$HELPER" data "$WORK/data"
PNG=$(ls "$WORK"/data/sample0-*.png)
gunzip -c "$DATASET/t10k-images-idx3-ubyte.gz" >"$WORK/data/images.idx"
gunzip -c "$DATASET/t10k-labels-idx1-ubyte.gz" >"$WORK/data/labels.idx"
unzip -p "$JAR" BOOT-INF/classes/models/fashion-mnist.tflite >"$WORK/bundled.tflite"
# A model where the interpreter is the bottleneck: 784-1024-1024-10 (1.9 M weights), as the model module's
# `create --hidden 1024,1024` writes it.
java -cp "$CP" "$HELPER" model "$WORK/big.tflite" 1024,1024

echo "== in-process (TFLite through the model module, no server): peak, train step, infer at 1 and 2 threads"
LOAD_INPROCESS=$(load)
java -cp "$CP" "$HELPER" speed "$SECONDS_PER_RUN" "$WORK/bundled.tflite" "$WORK/big.tflite" | tee "$WORK/speed.txt"
# The server's default thread count, for the /train comparison.
THREADS_DEFAULT=$(( $(nproc) < 4 ? $(nproc) : 4 ))
INPROCESS_TRAIN=$(java -cp "$CP" "$HELPER" train "$WORK/bundled.tflite" "$SECONDS_PER_RUN" "$THREADS_DEFAULT")

start_server() { # extra server arguments
    # shellcheck disable=SC2086
    # A long sync timeout keeps every /train request synchronous, so it is timed whole even on a loaded machine
    # (a 202 would end the request early, and the next one would meet the running job with 409).
    java $JAVA_OPTS -jar "$JAR" --server.port="$PORT" --edge.checkpoint.dir="$WORK/checkpoints" \
        --edge.queue.capacity=256 --edge.train.sync-timeout=120s "$@" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 1200); do
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

json_field() { sed -n "s/.*\"$2\": *\([0-9.e+-]*\).*/\1/p" "$1" | head -1; }
# Median (min-max) of hyperfine's runs, in seconds.
startup_figure() {
    printf '%.2f s (%.2f-%.2f)' "$(json_field "$1" median)" "$(json_field "$1" min)" "$(json_field "$1" max)"
}

echo "== startup to ready (JVM launch until /actuator/health/readiness is UP), 5 runs each"
LOAD_STARTUP=$(load)
cat >"$WORK/start-ready.sh" <<EOF
java $JAVA_OPTS -jar "$JAR" --server.port=$PORT --edge.checkpoint.dir="$WORK/checkpoints" >/dev/null 2>&1 &
pid=\$!
for _ in \$(seq 1 1500); do curl -sf $BASE/actuator/health/readiness >/dev/null 2>&1 && break; sleep 0.02; done
kill \$pid; wait \$pid 2>/dev/null || true
EOF
hyperfine --runs 5 --warmup 1 --export-json "$WORK/startup.json" "bash $WORK/start-ready.sh" | grep -E "Time|Range"
# The deployment's path (docker/, deploy/): the extracted jar with a class-data-sharing archive made by a training
# run, as install.sh and the Dockerfile make it.
java -XX:ArchiveClassesAtExit="$WORK/app.jsa" -Dspring.context.exit=onRefresh -jar "$WORK/jar/edge-trainer.jar" \
    --server.port="$PORT" --edge.checkpoint.dir="$WORK/checkpoints" >/dev/null 2>&1
sed -e "s|-jar \"$JAR\"|-XX:SharedArchiveFile=$WORK/app.jsa -jar $WORK/jar/edge-trainer.jar|" \
    "$WORK/start-ready.sh" >"$WORK/start-ready-cds.sh"
hyperfine --runs 5 --warmup 1 --export-json "$WORK/startup-cds.json" "bash $WORK/start-ready-cds.sh" | grep -E "Time|Range"
# The floor any Java program starts from: the JVM itself.
hyperfine --runs 5 --warmup 1 --export-json "$WORK/startup-jvm.json" "java $JAVA_OPTS -version" 2>/dev/null | grep -E "Time|Range"

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

# BENCH_RUNS runs of one wrk figure into $WORK/NAME.N.txt, with the load average before each.
wrk_runs() { # name connections threads url [script]
    local name=$1
    shift
    for run in $(seq 1 "$RUNS"); do
        echo "load $(load)" >"$WORK/$name.$run.txt"
        wrk_run "$@" >>"$WORK/$name.$run.txt"
        grep -E "Requests/sec|50%|99%|Non-2xx" "$WORK/$name.$run.txt" | tr -s ' ' | tr '\n' ' '
        echo
    done
}

# One value of each run of a wrk figure: rps, p50 or p99 (µs), or the load average before it.
wrk_values() { # name rps|p50|p99|load
    for file in "$WORK/$1".*.txt; do
        case $2 in
            rps) awk '/Requests\/sec/ {print $2}' "$file" ;;
            load) awk '/^load/ {print $2}' "$file" ;;
            p50 | p99) awk -v p="${2#p}%" '$1 == p {v = $2
                if (v ~ /us$/) print v + 0; else if (v ~ /ms$/) print v * 1000; else if (v ~ /s$/) print v * 1000000}' "$file" ;;
        esac
    done
}
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
spread() { sort -g | awk '{v[NR] = $1} END {printf "%.0f-%.0f", v[1], v[NR]}'; }
# "median (min-max)" of a wrk figure.
wrk_figure() { # name rps|p50|p99
    printf '%.0f (%s)' "$(wrk_values "$1" "$2" | median)" "$(wrk_values "$1" "$2" | spread)"
}
loads() { wrk_values "$1" load | tr '\n' ' ' | sed 's/ $//'; }
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

echo "== the bundled model, micro-batching on (the default)"
start_server
echo "-- warm-up"
wrk_run 8 2 "$BASE/infer" "$WORK/infer.lua" >/dev/null
echo "-- /infer, one PNG, concurrency 1"
wrk_runs infer-c1 1 1 "$BASE/infer" "$WORK/infer.lua"
echo "-- /infer, one PNG, concurrency 32"
wrk_runs small-on 32 2 "$BASE/infer" "$WORK/infer.lua"
echo "-- /actuator/health, concurrency 32"
wrk_runs health 32 2 "$BASE/actuator/health"
echo "-- /train, Fashion-MNIST t10k as IDX (10000 samples, batchSize=100, 100 steps a request), 5 runs"
LOAD_TRAIN=$(load)
hyperfine --runs 5 --warmup 1 --export-json "$WORK/train.json" \
    "curl -sf -o /dev/null -F images=@$WORK/data/images.idx -F labels=@$WORK/data/labels.idx '$BASE/train?batchSize=100&shuffle=false'" \
    | grep -E "Time|Range"
echo "-- /train, the same upload trained for 5 epochs (50000 samples, 500 steps a request), 5 runs"
hyperfine --runs 5 --warmup 1 --export-json "$WORK/train5.json" \
    "curl -sf -o /dev/null -F images=@$WORK/data/images.idx -F labels=@$WORK/data/labels.idx '$BASE/train?batchSize=100&shuffle=false&epochs=5'" \
    | grep -E "Time|Range"
SERVED=$(curl -sf "$BASE/actuator/prometheus" | awk '/^edge_infer_latency_seconds_count/ {print int($2)}')
RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
stop_server

echo "== the bundled model, micro-batching off"
start_server --edge.infer.batching.enabled=false
wrk_run 8 2 "$BASE/infer" "$WORK/infer.lua" >/dev/null
wrk_runs small-off 32 2 "$BASE/infer" "$WORK/infer.lua"
stop_server

for mode in on off; do
    echo "== 784-1024-1024-10 (create --hidden 1024,1024), micro-batching $mode"
    start_server --edge.model.path="$WORK/big.tflite" --edge.infer.batching.enabled=$([[ $mode == on ]] && echo true || echo false)
    wrk_run 8 2 "$BASE/infer" "$WORK/infer.lua" >/dev/null
    wrk_runs "big-$mode" 32 2 "$BASE/infer" "$WORK/infer.lua"
    if [[ $mode == on ]]; then
        BATCH_SAMPLES=$(curl -sf "$BASE/actuator/prometheus" | awk '/^edge_infer_batch_samples_sum/ {s = $2} /^edge_infer_batch_samples_count/ {c = $2} END {printf "%.1f", s / c}')
    fi
    stop_server
done

# In-process figures: "measure threads=N median=.. min=.. max=.. [extra]".
inprocess() { # measure threads field
    awk -v m="$1" -v t="threads=$2" -v f="$3" '$1 == m && $2 == t {for (i = 3; i <= NF; i++) {split($i, kv, "="); if (kv[1] == f) print kv[2]}}' "$WORK/speed.txt"
}
inprocess_figure() { # measure threads decimals
    printf "%.${3}f (%.${3}f-%.${3}f)" "$(inprocess "$1" "$2" median)" "$(inprocess "$1" "$2" min)" \
        "$(inprocess "$1" "$2" max)"
}
TRAIN_SECONDS=$(json_field "$WORK/train.json" median)
TRAIN5_SECONDS=$(json_field "$WORK/train5.json" median)

echo
echo "== results ($(nproc) cores, $(uname -m), java $(java -version 2>&1 | head -1 | cut -d'"' -f2), JAVA_OPTS='$JAVA_OPTS')"
echo "   median (min-max) over the runs; [load: the 1-minute load average before each run]"
echo "-- in-process [load $LOAD_INPROCESS]"
for t in 1 2; do
    printf 'peak, SGEMM through TFLite, %d thread(s): %s GFLOP/s\n' "$t" "$(inprocess_figure peak.gflops "$t" 1)"
done
for t in 1 2; do
    printf 'train step, 100 samples, %d thread(s): %s ms; floor %s MFLOP / peak = %s ms; ratio %s\n' "$t" \
        "$(inprocess_figure bundled.train100.ms "$t" 2)" "$(inprocess bundled.train100.ms "$t" mflop)" \
        "$(inprocess bundled.train100.ms "$t" floor_ms)" "$(inprocess bundled.train100.ms "$t" ratio)"
done
for model in bundled big; do
    for t in 1 2; do
        printf '%-7s infer, 1 / 32 samples, %d thread(s): %s / %s us; 32 samples cost %s x one\n' "$model" "$t" \
            "$(inprocess_figure $model.infer1.us "$t" 0)" "$(inprocess_figure $model.infer32.us "$t" 0)" \
            "$(ratio "$(inprocess $model.infer32.us "$t" median)" "$(inprocess $model.infer1.us "$t" median)")"
    done
done
echo "-- startup [load $LOAD_STARTUP]"
printf 'startup to ready, java -jar                   : %s   goal < 3 s: ratio %s\n' \
    "$(startup_figure "$WORK/startup.json")" "$(ratio "$(json_field "$WORK/startup.json" median)" 3)"
printf 'startup to ready, extracted + CDS (deployment): %s   goal < 3 s: ratio %s\n' \
    "$(startup_figure "$WORK/startup-cds.json")" "$(ratio "$(json_field "$WORK/startup-cds.json" median)" 3)"
printf 'the JVM alone (java -version)                 : %s\n' "$(startup_figure "$WORK/startup-jvm.json")"
echo "-- HTTP, bundled model, $THREADS_DEFAULT TFLite threads (the default here)"
printf '/infer concurrency 1, p50 [load %s]: %s us; in-process infer of 1 sample: %.0f us\n' "$(loads infer-c1)" \
    "$(wrk_figure infer-c1 p50)" "$(inprocess bundled.infer1.us "$THREADS_DEFAULT" median)"
printf '/infer req/s at concurrency 32 [load %s]: %s   /actuator/health [load %s]: %s   ratio %s (goal >= 0.6)\n' \
    "$(loads small-on)" "$(wrk_figure small-on rps)" "$(loads health)" "$(wrk_figure health rps)" \
    "$(ratio "$(wrk_values small-on rps | median)" "$(wrk_values health rps | median)")"
printf '/train samples/s (IDX, batch 100) [load %s]: %.0f (%.0f-%.0f)   in-process: %s   ratio %.2f (goal >= 0.8)\n' \
    "$LOAD_TRAIN" "$(echo "10000 / $TRAIN_SECONDS" | bc -l)" "$(echo "10000 / $(json_field "$WORK/train.json" max)" | bc -l)" \
    "$(echo "10000 / $(json_field "$WORK/train.json" min)" | bc -l)" "$INPROCESS_TRAIN" \
    "$(echo "10000 / $TRAIN_SECONDS / $INPROCESS_TRAIN" | bc -l)"
printf '/train samples/s, 5 epochs an upload       : %.0f (%.0f-%.0f)   in-process: %s   ratio %.2f (goal >= 0.8)\n' \
    "$(echo "50000 / $TRAIN5_SECONDS" | bc -l)" "$(echo "50000 / $(json_field "$WORK/train5.json" max)" | bc -l)" \
    "$(echo "50000 / $(json_field "$WORK/train5.json" min)" | bc -l)" "$INPROCESS_TRAIN" \
    "$(echo "50000 / $TRAIN5_SECONDS / $INPROCESS_TRAIN" | bc -l)"
printf 'RSS after %s inferences                      : %d MB   (goal < 300 MB)\n' "$SERVED" $((RSS_KB / 1024))
echo "-- micro-batching, /infer one PNG at concurrency 32: req/s, p50, p99 (us)"
for model in small big; do
    for mode in on off; do
        printf '%-5s %-3s [load %s]: %s req/s, p50 %s, p99 %s\n' "$model" "$mode" "$(loads $model-$mode)" \
            "$(wrk_figure $model-$mode rps)" "$(wrk_figure $model-$mode p50)" "$(wrk_figure $model-$mode p99)"
    done
    printf '%-5s on / off: throughput %s, p99 %s\n' "$model" \
        "$(ratio "$(wrk_values $model-on rps | median)" "$(wrk_values $model-off rps | median)")" \
        "$(ratio "$(wrk_values $model-on p99 | median)" "$(wrk_values $model-off p99 | median)")"
done
printf 'big on: %s samples per infer call on average; its limit, the interpreter alone at %d threads: %.0f samples/s on 32-sample calls, %.0f on single ones\n' \
    "$BATCH_SAMPLES" "$THREADS_DEFAULT" "$(echo "32000000 / $(inprocess big.infer32.us "$THREADS_DEFAULT" median)" | bc -l)" \
    "$(echo "1000000 / $(inprocess big.infer1.us "$THREADS_DEFAULT" median)" | bc -l)"
