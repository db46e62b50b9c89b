#!/bin/sh
# A stand-in for python:3.11-slim where no container registry is reachable: Debian bookworm's
# Python 3.11 and pip (debootstrap, from the machine's own apt mirror), imported under the
# Dockerfile's FROM name. For this machine's tests only: users build on the real image.
# The machine's CA bundle and pip configuration go in, so the build's `pip install` reaches the
# package index the way every install here does. The label says it is a stand-in (the image
# test reports which base it built on).
set -eu
name=$1
mirror=$(sed -n 's/^URIs:[[:space:]]*\(http[^[:space:]]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb[[:space:]]\{1,\}\(http[^[:space:]]*\/debian\)[[:space:]].*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
root=$(mktemp -d /var/tmp/stand-in-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=python3,python3-pip,python-is-python3,ca-certificates \
    bookworm "$root" "$mirror" >/dev/null
for file in /etc/ssl/certs/ca-certificates.crt /etc/pip.conf; do
    [ -f "$file" ] && cp "$file" "$root$file"
done
# What an image does not need: apt's lists and caches, documentation.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
tar -C "$root" -c . | "$here/bin/docker" import --quiet \
    --change 'ENV PIP_BREAK_SYSTEM_PACKAGES=1' \
    --change 'LABEL io.socialfetch.stand-in-for=python:3.11-slim' \
    --change 'CMD ["python3"]' \
    - "$name" >/dev/null
echo "stand-in base: $name ($(du -sh "$root" | cut -f1))" >&2
