#!/usr/bin/env bash
# Exercises deploy/install.sh on a fresh Debian bookworm with Java (docker/build.sh's base image), as on a device,
# without systemd: systemd cannot run in a build container, so systemctl is a stub that records its calls, and
# the service is started by running the installed unit's command line the way systemd would (its User, Group,
# WorkingDirectory, Environment= and EnvironmentFile=, $VAR expansion in ExecStart).
#   deploy/install-test.sh        (needs podman, buildah, curl, jq, java; the server jar; root)
# Checks: the install (user, files, modes, the unit, the CDS archive), the service's command line starts the
# server as its user with the unit's JVM settings and the env file's settings, a checkpoint saved, then an upgrade
# with a new jar replaces the installation, keeps the edited env file and the checkpoints, and the restarted
# service restores the checkpoint. What systemd itself does (sandboxing, restarts, MemoryMax, StateDirectory) is
# not exercised here; `systemd-analyze verify` checks the unit in SystemdUnitTests.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
jar=$root/server/target/edge-trainer.jar
work=$(mktemp -d /tmp/edge-install.XXXXXX)
ctr=
server=

name=install-test
. "$root/docker/test-lib.sh"

cleanup() {
  local rc=$?
  [[ -n $server ]] && stop_server "$server"
  [[ -n $ctr ]] && buildah rm "$ctr" >/dev/null
  rm -rf "$work"
  [[ $rc == 0 ]] && log passed || log "failed (exit $rc)"
}
trap cleanup EXIT

inside() { buildah run --isolation chroot "$ctr" -- "$@"; }

# What systemd does with the installed unit's [Service] section, for the directives this unit uses.
cat > "$work/systemd-exec" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
unit=/etc/systemd/system/$1
value() { sed -n "s/^$1=//p" "$unit" | tail -1; }
declare -A env=([PATH]=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin [LANG]=C.UTF-8)
user=$(value User)
env[USER]=$user env[LOGNAME]=$user env[HOME]=$(getent passwd "$user" | cut -d: -f6)
while IFS= read -r line; do
  eval "set -- $line"
  for assignment; do env[${assignment%%=*}]=${assignment#*=}; done
done < <(sed -n 's/^Environment=//p' "$unit")
file=$(value EnvironmentFile)
file=${file#-}
if [[ -f $file ]]; then
  while IFS= read -r line; do
    [[ $line =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && env[${line%%=*}]=${line#*=}
  done < "$file"
fi
command=$(value ExecStart)
for name in "${!env[@]}"; do command=${command//\$$name/${env[$name]}}; done
assignments=()
for name in "${!env[@]}"; do assignments+=("$name=${env[$name]}"); done
cd "$(value WorkingDirectory)"
# $VAR expands to words, as systemd splits an unquoted $VAR at whitespace.
read -r -a argv <<<"$command"
exec setpriv --reuid="$user" --regid="$(value Group)" --init-groups -- env -i "${assignments[@]}" "${argv[@]}"
EOF

start_service() {
  setsid buildah run --isolation chroot "$ctr" -- bash /usr/local/bin/systemd-exec edge-trainer.service \
    > "$work/service-$1.log" 2>&1 &
  server=$!
  local ready
  ready=$(await_up "$port" "$server" 180 "$work/service-$1.log")
  log "service run $1: UP after $ready s"
}

[[ -f $jar ]] || (cd "$root" && ./mvnw -q package -DskipTests)
base=$("$root/docker/build.sh" --base "$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')")
ctr=$(buildah from --pull=never --name "edge-install-$$" "$base")
log "installing into a container of $base"

port=$(free_port)
printf '#!/bin/sh\necho "$*" >> /var/log/systemctl.calls\n' > "$work/systemctl"
buildah copy --chmod 0755 "$ctr" "$work/systemctl" "$work/systemd-exec" /usr/local/bin/ >/dev/null
buildah copy "$ctr" "$root/deploy" /src/deploy >/dev/null
buildah copy "$ctr" "$jar" /src/edge-trainer.jar >/dev/null
java -cp "$root/model/target/edge-model.jar" "$root/docker/FashionMnistPngs.java" "$work/png" 0 5 > "$work/labels"

inside bash /src/deploy/install.sh /src/edge-trainer.jar > "$work/install-1.log" 2>&1 \
  || { cat "$work/install-1.log" >&2; fail "install.sh failed"; }
inside bash -c '
  set -e
  getent passwd edge-trainer | grep -q ":/var/lib/edge-trainer:/usr/sbin/nologin$"
  test -s /opt/edge-trainer/edge-trainer.jar -a -s /opt/edge-trainer/app.jsa -a -d /opt/edge-trainer/lib
  test "$(stat -c "%a %U %G" /var/lib/edge-trainer)" = "750 edge-trainer edge-trainer"
  test "$(stat -c "%a %U %G" /etc/edge-trainer/edge-trainer.env)" = "640 root edge-trainer"
  cmp /src/deploy/edge-trainer.service /etc/systemd/system/edge-trainer.service
  cmp /src/deploy/edge-trainer.env /etc/edge-trainer/edge-trainer.env
  test "$(cat /var/log/systemctl.calls)" = "$(printf "daemon-reload\nenable edge-trainer.service\nrestart edge-trainer.service")"
' || fail "the installation is not as expected: $(inside ls -la /opt/edge-trainer /etc/edge-trainer /var/lib/edge-trainer)"
log "installed: user, /opt/edge-trainer with its CDS archive, the unit, the env file; systemctl daemon-reload, enable, restart"

# The operator's settings, in the env file the unit reads.
inside bash -c "sed -i 's/^#SERVER_PORT=.*/SERVER_PORT=$port/' /etc/edge-trainer/edge-trainer.env
  printf 'EDGE_DEVICE_ID=install-test\n' >> /etc/edge-trainer/edge-trainer.env
  touch /opt/edge-trainer/installed-first"
start_service 1
java_pid=$(ps -o pid=,comm= -g "$server" | awk '$2 == "java" { print $1 }')
[[ $(stat -c %u "/proc/$java_pid") == $(inside id -u edge-trainer) ]] || fail "the server does not run as edge-trainer"
tr '\0' '\n' < "/proc/$java_pid/cmdline" > "$work/cmdline"
grep -qx -- -Xmx96m "$work/cmdline" && grep -qx -- -XX:SharedArchiveFile=/opt/edge-trainer/app.jsa "$work/cmdline" \
  || fail "the JVM did not get the unit's options: $(tr '\n' ' ' < "$work/cmdline")"
tr '\0' '\n' < "/proc/$java_pid/environ" | grep -qx MALLOC_ARENA_MAX=2 || fail "MALLOC_ARENA_MAX not set"
body=$(curl -sf "localhost:$port/actuator/info")
[[ $(jq -r .device.id <<<"$body") == install-test ]] || fail "the env file's EDGE_DEVICE_ID did not arrive: $body"
log "the server runs as edge-trainer with $(grep -c . "$work/cmdline") arguments from the unit, settings from the env file"

parts=()
while read -r file label; do parts+=(-F "image=@$work/png/$file" -F "label=$label"); done < "$work/labels"
[[ $(curl -sf "${parts[@]}" "localhost:$port/train" | jq -r .status) == SUCCEEDED ]] || fail "/train failed"
id=$(curl -sf -X POST "localhost:$port/checkpoint/save" | jq -r .id)
before=$(curl -sf --data-binary "@$work/png/t10k-0.png" -H 'Content-Type: image/png' "localhost:$port/infer" \
  | jq -c '.predictions[0].probabilities')
inside test -f "/var/lib/edge-trainer/checkpoints/$id.json" || fail "checkpoint $id not in /var/lib/edge-trainer"
log "trained, checkpoint $id in /var/lib/edge-trainer/checkpoints"
stop_server "$server"
server=

# A broken jar (a cut download) must leave the installation as it was.
head -c 1000000 "$jar" > "$work/broken.jar"
buildah copy "$ctr" "$work/broken.jar" /src/broken.jar >/dev/null
if inside bash /src/deploy/install.sh /src/broken.jar > "$work/install-broken.log" 2>&1; then
  fail "install.sh accepted a broken jar"
fi
inside test -e /opt/edge-trainer/installed-first -a -s /opt/edge-trainer/app.jsa \
  || fail "a failed install.sh damaged the installation"
log "a broken jar: install.sh fails and leaves the installation as it was"

# The upgrade: the next release's jar, under its release name (here the same build: the procedure is tested).
buildah copy "$ctr" "$jar" /src/edge-trainer-0.2.0.jar >/dev/null
inside bash /src/deploy/install.sh /src/edge-trainer-0.2.0.jar > "$work/install-2.log" 2>&1 \
  || { cat "$work/install-2.log" >&2; fail "the upgrade failed"; }
inside bash -c "
  set -e
  test ! -e /opt/edge-trainer/installed-first -a -e /opt/edge-trainer.old/installed-first
  grep -qx SERVER_PORT=$port /etc/edge-trainer/edge-trainer.env
  test -f /var/lib/edge-trainer/checkpoints/$id.json
" || fail "the upgrade did not replace /opt/edge-trainer or lost the env file or the checkpoint"
log "upgraded: /opt/edge-trainer replaced (the old one kept as /opt/edge-trainer.old), env file and checkpoints kept"

start_service 2
body=$(curl -sf "localhost:$port/actuator/info")
[[ $(jq -r .checkpoint.id <<<"$body") == "$id" ]] || fail "after the upgrade $id was not restored: $body"
after=$(curl -sf --data-binary "@$work/png/t10k-0.png" -H 'Content-Type: image/png' "localhost:$port/infer" \
  | jq -c '.predictions[0].probabilities')
[[ $after == "$before" ]] || fail "after the upgrade the model answers $after, before $before"
log "after the upgrade the service restored $id and answers as before"
stop_server "$server"
server=
