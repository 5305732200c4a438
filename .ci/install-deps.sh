#!/usr/bin/env bash
# Installs, idempotently, what building and testing IGOSpp needs on Debian 12 (run as root).
#  - libstdc++ with GLIBCXX_3.4.32 (libLibTorchSharp.so 0.107 needs it; bookworm's lacks it): taken from
#    Debian trixie, pinned at priority 100 so nothing else is upgraded from trixie. Only when missing.
#  - dataset-fashion-mnist (real data for the sample model's tests and the evaluation runner).
#  - chromium (headless, for the igospp report's browser check).
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

has_glibcxx() {
  local lib
  for lib in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /lib/x86_64-linux-gnu/libstdc++.so.6; do
    [ -e "$lib" ] && grep -qa 'GLIBCXX_3.4.32' "$lib" && return 0
  done
  return 1
}

# The mirror this machine's own Debian source uses (deb822 .sources or one-line .list), for the main archive
# (the one whose suites include "bookworm", not "bookworm-security"). Prints nothing when none is configured.
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
         { uri = ""; main = 0
           for (i = 1; i <= NF; i++) {
             if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
             if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) main = 1
           }
           if (main && uri != "") { print uri; exit } }' "$f"
  done | head -n 1 | grep . && return 0
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { if ($(i + 1) == "bookworm") { print $i; exit } break } }' \
    | head -n 1
}

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
}

if ! has_glibcxx; then
  echo "install-deps: GLIBCXX_3.4.32 missing; installing libstdc++6 from Debian trixie (pinned at priority 100)"
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || { echo "install-deps: no Debian source with a bookworm suite in /etc/apt; cannot add trixie" >&2; exit 1; }
  echo "install-deps: using the configured Debian mirror $mirror"
  as_root tee /etc/apt/sources.list.d/trixie.sources >/dev/null <<SRC
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  as_root tee /etc/apt/preferences.d/trixie-pin >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  apt_update_once
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq -t trixie libstdc++6 >/dev/null
  has_glibcxx || { echo "install-deps: libstdc++6 from trixie still lacks GLIBCXX_3.4.32" >&2; exit 1; }
fi

if [ ! -e /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
  echo "install-deps: installing dataset-fashion-mnist"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi

# Headless Chromium for the igospp report's browser test (IGOSpp.Cli.Tests) and the tool's CI check.
if ! command -v chromium >/dev/null 2>&1; then
  echo "install-deps: installing chromium"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi
