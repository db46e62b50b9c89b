#!/bin/sh
# Makes `docker build` / `docker run` work here through podman, once per machine; a no-op after.
#   1. podman (with runc and Debian's `docker` alias), debootstrap, and jq (the README's state line),
#      from the apt repositories, with their recommended packages (the set verified here);
#   2. the Dockerfile's base image: pulled when a registry gives it, else a stand-in built from
#      Debian's packages (stand-in-base.sh), for this machine's tests only.
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
base=$(sed -n 's/^FROM[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' "$here/../../Dockerfile" | tail -n 1)

missing=""
for tool in podman:podman runc:runc debootstrap:debootstrap jq:jq; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing="$missing ${tool#*:}"
done
if [ -n "$missing" ]; then
    echo "container engine: installing$missing podman-docker" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing podman-docker uidmap fuse-overlayfs >/dev/null
fi

docker="$here/bin/docker"
if ! "$docker" image exists "$base"; then
    if "$docker" pull -q "$base" >/dev/null 2>&1; then
        echo "container engine: pulled $base" >&2
    else
        echo "container engine: no registry gives $base; building a stand-in from Debian packages" >&2
        "$here/stand-in-base.sh" "$base"
    fi
fi
