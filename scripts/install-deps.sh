#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian 12 machine: the Debian packages
# listed in scripts/deps/*.apt and the Python packages in scripts/deps/*.pip (one name a line,
# '#' starts a comment). Each area of the project keeps its own list. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

read_list() { sed -e 's/#.*//' -e 's/[[:space:]]//g' "$@" 2>/dev/null | grep -v '^$' | sort -u || true; }

mapfile -t apt_pkgs < <(read_list scripts/deps/*.apt)
if [ "${#apt_pkgs[@]}" -gt 0 ]; then
    missing=()
    for p in "${apt_pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "install-deps: apt-get install ${missing[*]}"
        SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        # Servers from Debian must not start as system services: the tests start their own.
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
            $SUDO chmod +x /usr/sbin/policy-rc.d
            trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
        fi
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
fi

mapfile -t pip_pkgs < <(read_list scripts/deps/*.pip)
if [ "${#pip_pkgs[@]}" -gt 0 ]; then
    python3 -m pip install -q --disable-pip-version-check "${pip_pkgs[@]}"
fi
echo "install-deps: ready"
