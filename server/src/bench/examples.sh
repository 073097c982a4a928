#!/usr/bin/env bash
# Runs one curl per endpoint against a fresh server with a token on loopback and prints command and answer, as
# server/README.md shows them (arrays of numbers are cut to their first three values and "...", answers longer than
# 600 characters are cut, marked with …).
#
#   server/src/bench/examples.sh [JAR]        (from the repository root, after ./mvnw package)
#
# Needs java 17, curl, jq and Debian's dataset-fashion-mnist. Bounded: the server is stopped at the end.
set -euo pipefail

JAR=$(realpath "${1:-server/target/edge-trainer.jar}")
HERE=$(cd "$(dirname "$0")" && pwd)
# Compiled and tested with the server's tests (BenchHelperTests), run here from source with the jar's libraries.
HELPER=$HERE/../test/java/dev/edgetrainer/server/bench/BenchHelper.java
PORT=${EXAMPLES_PORT:-18090}
DATASET=/usr/share/datasets/fashion-mnist
WORK=$(mktemp -d)
TOKEN=fleet-secret-token-0001
SERVER_PID=
cleanup() {
    [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

java -Djarmode=tools -jar "$JAR" extract --destination "$WORK/jar" >/dev/null
java -cp "$WORK/jar/lib/*" "$HELPER" data "$WORK" >/dev/null
cd "$WORK"
cp "$DATASET"/t10k-*-ubyte.gz .
java -jar "$JAR" --server.port="$PORT" --edge.checkpoint.dir="$WORK/checkpoints" \
    --edge.security.token="$TOKEN" >server.log 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do curl -sf "localhost:$PORT/actuator/health/readiness" >/dev/null && break; sleep 0.1; done

# Prints the command as typed (host shortened to localhost:8080) and its answer.
show() {
    local shown=${1//localhost:$PORT/localhost:8080}
    echo "\$ ${shown//$TOKEN/\$TOKEN}"
    eval "$1" | perl -pe 's/\[((?:-?\d[\d.E+-]*,){3})(?:-?\d[\d.E+-]*,)*-?\d[\d.E+-]*\]/[$1...]/g' \
        | cut -c1-600 | sed -E 's/^(.{599}).+$/\1…/'
    echo
}
A="-H \"Authorization: Bearer $TOKEN\""
L=localhost:$PORT

show "curl -s --data-binary @sample0-label9.png -H 'Content-Type: image/png' $L/infer"
show "curl -s -F image=@sample1-label2.png -F image=@sample2-label1.png '$L/infer?top=2'"
show "curl -s -H 'Content-Type: application/json' -d '{\"x\": [[0.5, 0.5]]}' $L/infer"
show "curl -s -F images=@t10k-images-idx3-ubyte.gz -F labels=@t10k-labels-idx1-ubyte.gz $L/train"
show "curl -s $A -F images=@t10k-images-idx3-ubyte.gz -F labels=@t10k-labels-idx1-ubyte.gz '$L/train?batchSize=100&epochs=2'"
show "curl -s $A -F image=@sample0-label9.png -F label='Ankle boot' -F image=@sample1-label2.png -F label=2 $L/train"
show "curl -s $A -H 'Content-Type: application/json' -d '{\"x\": [[[0.1]]], \"y\": [3]}' $L/train"
show "curl -s -i $A -F images=@t10k-images-idx3-ubyte.gz -F labels=@t10k-labels-idx1-ubyte.gz '$L/train?batchSize=10&epochs=5&async=true' | grep -E '^(HTTP|Location)|^\\{'"
JOB=$(curl -s -H "Authorization: Bearer $TOKEN" "$L/train/jobs" | grep -oE '"id":"[^"]+",("origin":"[^"]+",)?"status":"(QUEUED|RUNNING)"' | head -1 | cut -d'"' -f4)
sleep 1
show "curl -s $A $L/train/jobs/$JOB"
show "curl -s -X DELETE $A $L/train/jobs/$JOB"
sleep 0.5
show "curl -s $A $L/train/jobs/$JOB"
show "curl -s $A $L/train/jobs"
# What the dashboard at / reads: the page is open, the device's data needs the token.
show "curl -s -o /dev/null -w '%{http_code} %{content_type}\\n' $L/"
show "curl -s $L/model"
show "curl -s $A $L/model | jq -c 'del(.signatures)'"
show "curl -s $A $L/model/status"
show "curl -s $A $L/train/history | jq -c '.pretraining.points |= .[:3] | .device.points |= .[-2:]'"
HISTORY=$(curl -s -H "Authorization: Bearer $TOKEN" "$L/train/history")
GEN=$(grep -oE '"generation":[0-9]+' <<<"$HISTORY" | cut -d: -f2)
STEPS=$(grep -oE '"steps":[0-9]+' <<<"$HISTORY" | cut -d: -f2)
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -F images=@t10k-images-idx3-ubyte.gz \
    -F labels=@t10k-labels-idx1-ubyte.gz "$L/train?batchSize=1000&epochs=1&async=true"
# A stream does not end by itself (timeout's exit status 124): two seconds of it while that job runs.
show "timeout 2 curl -sN $A '$L/train/history/stream?after=$STEPS&generation=$GEN'" || true
for _ in $(seq 1 600); do
    curl -s -H "Authorization: Bearer $TOKEN" "$L/train/jobs" | grep -qE '"status":"(QUEUED|RUNNING)"' || break
    sleep 0.1
done
show "curl -s $A $L/samples/recent"
show "curl -s -X POST $A $L/checkpoint/save"
ID=$(curl -s -H "Authorization: Bearer $TOKEN" "$L/checkpoints" | grep -oE '"id":"[^"]+"' | head -1 | cut -d'"' -f4)
show "curl -s $A $L/checkpoints"
show "curl -s $A $L/checkpoints/$ID"
show "curl -s -D - -o peer.weights $A $L/checkpoints/$ID/file | grep -iE 'digest|etag|length'; sha256sum peer.weights"
show "curl -s -X PUT $A -H 'Content-Type: application/octet-stream' --data-binary @peer.weights $L/checkpoints/from-pi-17/file"
SHA=$(sha256sum peer.weights | cut -d' ' -f1)
show "curl -s -X PUT $A -H 'Content-Type: application/octet-stream' --data-binary @peer.weights $L/checkpoints/from-pi-17/file"
show "curl -s -i -X PUT $A -H 'If-Match: \"$SHA\"' -H 'Content-Type: application/octet-stream' --data-binary @peer.weights $L/checkpoints/from-pi-17/file | grep -E '^(HTTP|ETag)|^\\{'"
show "curl -s -X PUT $A -H 'If-Match: \"0123\"' -H 'Content-Type: application/octet-stream' --data-binary @peer.weights $L/checkpoints/from-pi-17/file"
show "curl -s -o /dev/null -w '%{http_code}\\n' $A -H 'If-None-Match: \"$SHA\"' $L/checkpoints/from-pi-17/file"
show "curl -s -X POST $A $L/checkpoint/reset"
show "curl -s -X POST $A -H 'Content-Type: application/json' -d '{\"id\": \"from-pi-17\"}' $L/checkpoint/restore"
show "curl -s -X POST $A $L/checkpoint/restore"
show "curl -s -X DELETE $A $L/checkpoints/$ID"
show "curl -s -o /dev/null -w '%{http_code}\\n' -X DELETE $A $L/checkpoints/from-pi-17"
show "curl -s $A $L/checkpoints/from-pi-17"
show "curl -s $A '$L/checkpoints/..%2F..%2Fetc%2Fpasswd/file'"
show "head -c 1000 peer.weights > short.weights; curl -s -X PUT $A --data-binary @short.weights -H 'Content-Type: application/octet-stream' $L/checkpoints/broken/file"
show "curl -s -H 'Content-Type: text/plain' -d hello $L/infer"
show "head -c 20000000 /dev/zero > big.bin; curl -s -H 'Content-Type: image/png' --data-binary @big.bin $L/infer"
show "curl -s -H 'Content-Type: image/png' --data-binary 'not a png' $L/infer"
show "curl -s -H 'Content-Type: application/json' -d '{\"x\": [[1e39]]}' $L/infer"
show "curl -s $L/actuator/health"
show "curl -s $A $L/actuator/health"
show "curl -s $L/actuator/info"
show "curl -s $L/actuator/prometheus | grep -E '^edge_' | grep -v _bucket"
show "curl -s $L/actuator/metrics"
show "curl -s $A $L/actuator/metrics/edge.queue.depth"
show "curl -s -X PATCH $L/checkpoints"
show "curl -s -i -X OPTIONS -H 'Origin: https://elsewhere.example' -H 'Access-Control-Request-Method: POST' $L/train | grep -E '^HTTP|^\\{'"
show "curl -s -o /dev/null -w '%{http_code} %{content_type}\\n' $L/swagger-ui/index.html"
