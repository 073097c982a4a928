#!/usr/bin/env bash
# Runs each image as a device would and checks what a device must do (docker/README.md):
#   docker/smoke-test.sh [ARCH...]          (default: amd64 arm64; images from docker/build.sh, built if missing)
#
# Per architecture: the image's own entrypoint starts on a fresh volume (a host folder, as `-v`); health UP and the
# image's HEALTHCHECK command passes (and fails when nothing listens); /actuator/info names the architecture and the
# device; /infer of a real Fashion-MNIST test PNG answers its class; /train on 16 other labelled test PNGs;
# /checkpoint/save lands in the volume; the metrics carry the device tag; a graceful stop; then a second container
# of the image on the same volume restores that checkpoint and answers exactly as before the stop.
#
# Containers run with `buildah run --isolation chroot` on the host network (no container engine or cgroups
# needed), on a free port; a foreign architecture runs under qemu-user-static. Each architecture must finish within
# SMOKE_BUDGET seconds (default 900). Everything the test makes is removed at the end, images included when it had
# to build them. Needs: podman, buildah, curl, jq, java (for the PNGs) and Debian's dataset-fashion-mnist.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
SMOKE_BUDGET=${SMOKE_BUDGET:-900}
mapfile -t tags < <("$root/docker/build.sh" --tags)
list=${tags[0]}
archs=("$@")
[[ ${#archs[@]} -gt 0 ]] || archs=(amd64 arm64)

work=$(mktemp -d /tmp/edge-smoke.XXXXXX)
containers=()
servers=()
built=()
list_existed=$(podman manifest exists "$list" && echo yes || echo no)
name=smoke-test
. "$root/docker/test-lib.sh"

cleanup() {
  local rc=$? pid ctr image
  for pid in "${servers[@]}"; do stop_server "$pid"; done
  for ctr in "${containers[@]}"; do buildah rm "$ctr" >/dev/null 2>&1 || true; done
  rm -rf "$work"
  for image in "${built[@]}"; do podman rmi --ignore "$image" >/dev/null 2>&1 || true; done
  if [[ $list_existed == no ]] && podman manifest exists "$list"; then podman manifest rm "$list" >/dev/null; fi
  [[ $rc == 0 ]] && log "passed: ${archs[*]}" || log "failed (exit $rc); server logs were in $work (removed)"
}
trap cleanup EXIT

# Starts a new container of the image with the image's own entrypoint, as if on a device; sets ctr and pid (the
# buildah process, leader of its process group).
start_server() {
  local arch=$1 image=$2 volume=$3 port=$4 logfile=$5
  local -a entrypoint
  mapfile -t entrypoint < <(podman image inspect --format '{{json .Config.Entrypoint}}' "$image" | jq -r '.[]')
  ctr=$(buildah from --pull=never --arch "$arch" --name "edge-smoke-$arch-$$-${#containers[@]}" "$image")
  containers+=("$ctr")
  setsid buildah run --isolation chroot --env SERVER_PORT="$port" --env EDGE_DEVICE_ID="smoke-$arch" \
    -v "$volume:/var/lib/edge-trainer" "$ctr" -- "${entrypoint[@]}" >"$logfile" 2>&1 &
  pid=$!
  servers+=("$pid")
}

infer() {
  curl -sf --data-binary "@$work/png/$1" -H 'Content-Type: image/png' "localhost:$2/infer"
}

# Real test images: t10k-0.png (an ankle boot, class 9) to infer, 1..16 with their labels to train on.
log "writing Fashion-MNIST test PNGs"
[[ -f $root/model/target/edge-model.jar ]] || (cd "$root" && ./mvnw -q package -DskipTests)
java -cp "$root/model/target/edge-model.jar" "$root/docker/FashionMnistPngs.java" "$work/png" 0 17 > "$work/labels"
read -r probe probe_label < "$work/labels"
train_parts=()
while read -r file label; do
  train_parts+=(-F "image=@$work/png/$file" -F "label=$label")
done < <(tail -n +2 "$work/labels")

smoke() {
  local arch=$1 image=$list-$1 started=$SECONDS
  local expected_arch volume port ready body id before after
  expected_arch=$([[ $arch == arm64 ]] && echo aarch64 || echo amd64)
  if ! podman image exists "$image"; then
    log "$image missing: building it"
    "$root/docker/build.sh" "$arch"
    built+=("$image")
  fi
  volume=$work/volume-$arch
  mkdir -p "$volume"
  chown "$(podman image inspect --format '{{.Config.User}}' "$image")" "$volume"

  port=$(free_port)
  start_server "$arch" "$image" "$volume" "$port" "$work/$arch-1.log"
  ready=$(await_up "$port" "$pid" "$SMOKE_BUDGET" "$work/$arch-1.log")
  log "$arch: UP after $ready s"

  local -a check
  mapfile -t check < <(podman image inspect --format '{{json .Config.Healthcheck.Test}}' "$image" | jq -r '.[1:][]')
  buildah run --isolation chroot --env SERVER_PORT="$port" "$ctr" -- "${check[@]}" \
    || fail "$arch: the HEALTHCHECK command failed against a running server"
  if buildah run --isolation chroot --env SERVER_PORT="$(free_port)" "$ctr" -- "${check[@]}" 2>/dev/null; then
    fail "$arch: the HEALTHCHECK command passed with no server listening"
  fi

  body=$(curl -sf "localhost:$port/actuator/info")
  [[ $(jq -r '.runtime."os.arch"' <<<"$body") == "$expected_arch" ]] || fail "$arch: info says $body"
  [[ $(jq -r .device.id <<<"$body") == "smoke-$arch" ]] || fail "$arch: device id missing in $body"

  body=$(infer "$probe" "$port")
  [[ $(jq -r '.predictions[0].top[0].index' <<<"$body") == "$probe_label" ]] \
    || fail "$arch: $probe (class $probe_label) answered $body"
  log "$arch: /infer $probe -> $(jq -r '.predictions[0].label' <<<"$body") (class $probe_label)"

  body=$(curl -sf "${train_parts[@]}" "localhost:$port/train")
  [[ $(jq -r '.status + " " + (.samples|tostring)' <<<"$body") == "SUCCEEDED 16" ]] || fail "$arch: /train: $body"
  log "$arch: /train 16 labelled PNGs, loss $(jq -r .loss <<<"$body")"

  body=$(curl -sf -X POST "localhost:$port/checkpoint/save")
  id=$(jq -r .id <<<"$body")
  compgen -G "$volume/checkpoints/$id*" >/dev/null || fail "$arch: checkpoint $id not in the volume: $(ls -R "$volume")"
  log "$arch: checkpoint $id in the volume: $(cd "$volume/checkpoints" && echo $id*)"
  before=$(infer "$probe" "$port" | jq -c '.predictions[0].probabilities')

  body=$(curl -sf "localhost:$port/actuator/prometheus")
  grep -q "^edge_checkpoint_count{.*device=\"smoke-$arch\".*} 1.0$" <<<"$body" \
    || fail "$arch: edge_checkpoint_count with the device tag missing from /actuator/prometheus"

  stop_server "$pid"
  grep -q 'Graceful shutdown complete' "$work/$arch-1.log" || fail "$arch: no graceful shutdown on SIGTERM"

  port=$(free_port)
  start_server "$arch" "$image" "$volume" "$port" "$work/$arch-2.log"
  ready=$(await_up "$port" "$pid" "$SMOKE_BUDGET" "$work/$arch-2.log")
  body=$(curl -sf "localhost:$port/actuator/info")
  [[ $(jq -r .checkpoint.id <<<"$body") == "$id" ]] || fail "$arch: second run did not restore $id: $body"
  after=$(infer "$probe" "$port" | jq -c '.predictions[0].probabilities')
  [[ $after == "$before" ]] || fail "$arch: restored weights answer $after, before the stop $before"
  log "$arch: second run UP after $ready s, restored $id, same answer"
  stop_server "$pid"

  (( SECONDS - started <= SMOKE_BUDGET )) || fail "$arch took $((SECONDS - started)) s, over $SMOKE_BUDGET s"
  log "$arch: passed in $((SECONDS - started)) s"
}

for arch in "${archs[@]}"; do smoke "$arch"; done
