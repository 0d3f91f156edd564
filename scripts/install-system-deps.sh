#!/usr/bin/env bash
# Installs the Debian packages eidlib's tests and demo use, only when one is missing (idempotent).
set -euo pipefail
packages=(
    pcscd libpcsclite-dev vsmartcard-vpcd swig gcc make
    opensc opensc-pkcs11 softhsm2 pcsc-tools iproute2 util-linux
    redis-server openssl
)
missing=()
for p in "${packages[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages: all present"
    exit 0
fi
echo "system packages: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
