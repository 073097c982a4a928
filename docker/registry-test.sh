#!/usr/bin/env bash
# Pushes the multi-arch list made by docker/build.sh to a real registry, with docker/README.md's push command, and
# checks what a device's `pull` would get: Debian's docker-registry (the CNCF distribution registry) runs on a free
# loopback port with its storage in a temp folder; the pushed list must name linux/amd64 and linux/arm64, and
# pulling each architecture back must give the image that was built for it.
#   docker/registry-test.sh          (needs podman, jq, docker-registry; the images from docker/build.sh)
# Everything it makes (the registry process, its storage, the pulled images) is removed at the end.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mapfile -t tags < <("$root/docker/build.sh" --tags)
list=${tags[0]}
work=$(mktemp -d /tmp/edge-registry.XXXXXX)
registry_pid=

name=registry-test
. "$root/docker/test-lib.sh"

cleanup() {
  local rc=$?
  if [[ -n $registry_pid ]]; then kill "$registry_pid" 2>/dev/null; wait "$registry_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  [[ $rc == 0 ]] && log passed || log "failed (exit $rc)"
}
trap cleanup EXIT

podman manifest exists "$list" || fail "no manifest list $list: run docker/build.sh first"
port=$(free_port)
cat > "$work/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $work/storage
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$work/config.yml" > "$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 1 50); do curl -sf "127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.2; done
curl -sf "127.0.0.1:$port/v2/" >/dev/null || { cat "$work/registry.log" >&2; fail "the registry did not start"; }

remote=127.0.0.1:$port/fleet/${list%%:*}:${list#*:}
log "pushing $list to $remote"
start=$SECONDS
# The README's command; --tls-verify=false only because this registry speaks plain HTTP on loopback.
podman manifest push --quiet --all --tls-verify=false "$list" "docker://$remote"
log "pushed in $((SECONDS - start)) s, $(du -sh "$work/storage" | cut -f1) in the registry"

platforms=$(curl -sf -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
  -H 'Accept: application/vnd.oci.image.index.v1+json' "127.0.0.1:$port/v2/fleet/${list%%:*}/manifests/${list#*:}" \
  | jq -r '[.manifests[].platform | .os + "/" + .architecture] | sort | join(" ")')
[[ $platforms == "linux/amd64 linux/arm64" ]] || fail "the pushed list names: $platforms"
log "the registry serves one name for: $platforms"

# Pulled into a storage of its own, as a device would, so the local images and the list stay as they are.
pull=(podman --root "$work/pull-storage" --runroot "$work/pull-run")
for arch in amd64 arm64; do
  "${pull[@]}" pull --quiet --tls-verify=false --arch "$arch" "$remote" >/dev/null
  got=$("${pull[@]}" image inspect --format '{{.Architecture}} {{.Id}}' "$remote")
  want=$(podman image inspect --format '{{.Architecture}} {{.Id}}' "$list-$arch")
  [[ $got == "$want" ]] || fail "pulling $arch gave $got, built $want"
  "${pull[@]}" rmi "$remote" >/dev/null
  log "pull --arch $arch: the image built for $arch ($(cut -c1-12 <<<"${got#* }"))"
done
