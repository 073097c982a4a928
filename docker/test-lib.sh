# Helpers shared by docker/smoke-test.sh, docker/registry-test.sh and deploy/install-test.sh (sourced, not run).
# Each script sets `name` for its log lines.

log() { printf '%s %s: %s\n' "$(date +%H:%M:%S)" "$name" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

# A port nothing listens on, on loopback (containers run on the host network).
free_port() {
  local port
  for port in $(shuf -i 20000-60000 -n 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  fail "no free port"
}

# Stops a server started as `setsid buildah run ... &` (pid = its process group). buildah answers SIGTERM with
# SIGKILL to its child; a device stop is SIGTERM to the server itself, so it finishes queued work and closes the
# model.
stop_server() {
  local pid=$1 java
  kill -0 "$pid" 2>/dev/null || return 0
  java=$(ps -o pid=,comm= -g "$pid" | awk '$2 == "java" { print $1 }')
  [[ -n $java ]] && kill -TERM "$java" 2>/dev/null
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}

# Waits until /actuator/health is UP; prints the seconds it took.
await_up() {
  local port=$1 pid=$2 timeout=$3 logfile=$4 start=$SECONDS
  until [[ $(curl -s "localhost:$port/actuator/health" | jq -r .status 2>/dev/null) == UP ]]; do
    kill -0 "$pid" 2>/dev/null || { tail -40 "$logfile" >&2; fail "the server exited before it was UP"; }
    (( SECONDS - start < timeout )) || { tail -40 "$logfile" >&2; fail "not UP within $timeout s"; }
    sleep 1
  done
  echo $((SECONDS - start))
}
