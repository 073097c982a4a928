#!/usr/bin/env bash
# Builds the EdgeTrainer image for each architecture and a multi-arch manifest list (docker/README.md).
#
#   docker/build.sh [ARCH...]     build IMAGE:TAG-ARCH for each ARCH (default: amd64 arm64), then the list IMAGE:TAG
#                                 of every IMAGE:TAG-ARCH in local storage
#   docker/build.sh --tags        print the list's name, then each ARCH's image name; builds nothing
#   docker/build.sh --base ARCH   print the base image for ARCH, making it first if needed
#   docker/build.sh --clean       remove the list, the images and the bases this script makes
#
# Settings (environment):
#   IMAGE  repository name                        (default edge-trainer)
#   TAG    tag of the list                        (default the project's version in pom.xml)
#   BASE   base image for every ARCH              (default: docker.io/library/debian:bookworm-slim when it is in
#          local storage for that ARCH, else localhost/edge-trainer-base:bookworm-ARCH made here by mmdebstrap)
#   CDS    true/false: make the class-data-sharing archive (default true)
#
# Builds with `podman build --isolation chroot` (no container engine or cgroups needed); a foreign ARCH runs under
# qemu-user-static, registered with binfmt_misc here when it is not yet (needs root). The server jar is built with
# ./mvnw when server/target/edge-trainer.jar does not exist.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
IMAGE=${IMAGE:-edge-trainer}
TAG=${TAG:-$(sed -n '/<artifactId>edge-trainer-parent<\/artifactId>/{n;s/.*<version>\(.*\)<\/version>.*/\1/p;}' "$root/pom.xml")}
CDS=${CDS:-true}
DEBIAN_BASE=docker.io/library/debian:bookworm-slim
MIRRORS=("deb http://deb.debian.org/debian bookworm main"
  "deb http://deb.debian.org/debian bookworm-updates main"
  "deb http://deb.debian.org/debian-security bookworm-security main")

log() { printf '%s build.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

host_arch() {
  case $(uname -m) in
    x86_64) echo amd64 ;;
    aarch64) echo arm64 ;;
    *) uname -m ;;
  esac
}

# The emulator for a foreign architecture: Debian's qemu-user-static ships the binfmt_misc entry, registered here
# with the kernel (idempotent: an entry already there is left alone).
ensure_emulator() {
  local arch=$1 qemu
  [[ $arch == "$(host_arch)" ]] && return
  case $arch in
    arm64) qemu=aarch64 ;;
    amd64) qemu=x86_64 ;;
    *) echo "build.sh: unsupported architecture $arch (amd64, arm64)" >&2; exit 2 ;;
  esac
  [[ -e /proc/sys/fs/binfmt_misc/qemu-$qemu ]] && return
  if [[ $(id -u) != 0 ]]; then
    echo "build.sh: $arch needs qemu-$qemu registered with binfmt_misc; run once as root:" \
      "mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; cat /usr/lib/binfmt.d/qemu-$qemu.conf >" \
      "/proc/sys/fs/binfmt_misc/register" >&2
    exit 1
  fi
  mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  [[ -e /proc/sys/fs/binfmt_misc/qemu-$qemu ]] || cat "/usr/lib/binfmt.d/qemu-$qemu.conf" > /proc/sys/fs/binfmt_misc/register
  log "registered qemu-$qemu with binfmt_misc"
}

image_arch() {
  podman image inspect --format '{{.Architecture}}' "$1" 2>/dev/null || true
}

# The base for one architecture: BASE if given; Debian's slim image if it is in local storage for that
# architecture; else Debian bookworm with the JRE, made from Debian's packages (minbase, no docs, man pages or
# locales) and imported once per architecture.
base_image() {
  local arch=$1 own=localhost/edge-trainer-base:bookworm-$1
  if [[ -n ${BASE:-} ]]; then echo "$BASE"; return; fi
  if [[ $(image_arch "$DEBIAN_BASE") == "$arch" ]]; then echo "$DEBIAN_BASE"; return; fi
  if [[ $(image_arch "$own") != "$arch" ]]; then
    ensure_emulator "$arch"
    log "making $own with mmdebstrap (bookworm, openjdk-17-jre-headless)"
    local start=$SECONDS
    # openjdk's postinst links its man page into man1, which must exist even though man pages are left out.
    mmdebstrap --quiet --variant=minbase --arch="$arch" --include=openjdk-17-jre-headless,ca-certificates \
      --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
      bookworm - "${MIRRORS[@]}" \
      | podman import --quiet --arch "$arch" --os linux \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["bash"]' \
        - "$own" >/dev/null
    log "made $own in $((SECONDS - start)) s"
  fi
  echo "$own"
}

build_one() {
  local arch=$1 base old start
  ensure_emulator "$arch"
  base=$(base_image "$arch")
  old=$(podman image inspect --format '{{.Id}}' "$IMAGE:$TAG-$arch" 2>/dev/null || true)
  log "building $IMAGE:$TAG-$arch from $base (CDS=$CDS)"
  start=$SECONDS
  podman build --quiet --isolation chroot --platform "linux/$arch" --format docker --pull=missing \
    --build-arg BASE="$base" --build-arg CDS="$CDS" \
    --ignorefile "$root/docker/Dockerfile.dockerignore" -f "$root/docker/Dockerfile" \
    -t "$IMAGE:$TAG-$arch" "$root" >/dev/null
  log "built $IMAGE:$TAG-$arch in $((SECONDS - start)) s"
  # The image this tag pointed to before, now untagged: ours to remove (another image may still use it).
  if [[ -n $old && $old != $(podman image inspect --format '{{.Id}}' "$IMAGE:$TAG-$arch") ]]; then
    podman rmi "$old" >/dev/null 2>&1 || true
  fi
}

# One name for every architecture built (now or before): `podman manifest push --all` sends the list and its images
# to a registry.
make_list() {
  local arch
  podman manifest exists "$IMAGE:$TAG" && podman manifest rm "$IMAGE:$TAG" >/dev/null
  podman manifest create "$IMAGE:$TAG" >/dev/null
  for arch in amd64 arm64; do
    podman image exists "$IMAGE:$TAG-$arch" || continue
    podman manifest add "$IMAGE:$TAG" "containers-storage:localhost/$IMAGE:$TAG-$arch" >/dev/null
  done
  log "manifest list $IMAGE:$TAG: $(podman manifest inspect "$IMAGE:$TAG" \
    | jq -r '[.manifests[].platform | .os + "/" + .architecture] | join(", ")')"
}

case ${1:-} in
  --tags)
    echo "$IMAGE:$TAG"
    for arch in amd64 arm64; do echo "$IMAGE:$TAG-$arch"; done
    exit 0
    ;;
  --base)
    base_image "${2:?usage: build.sh --base ARCH}"
    exit 0
    ;;
  --clean)
    podman manifest exists "$IMAGE:$TAG" && podman manifest rm "$IMAGE:$TAG" >/dev/null
    for arch in amd64 arm64; do
      podman rmi --ignore "$IMAGE:$TAG-$arch" "localhost/edge-trainer-base:bookworm-$arch" >/dev/null
    done
    exit 0
    ;;
  -*)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2
    exit 2
    ;;
esac

archs=("$@")
[[ ${#archs[@]} -gt 0 ]] || archs=(amd64 arm64)
if [[ ! -f $root/server/target/edge-trainer.jar ]]; then
  log "no server/target/edge-trainer.jar: building it"
  (cd "$root" && ./mvnw -q package -DskipTests)
fi
for arch in "${archs[@]}"; do build_one "$arch"; done
make_list
