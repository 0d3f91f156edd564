#!/usr/bin/env bash
# Installs the Debian packages eidlib needs, only those missing (idempotent).
#   install-system-deps.sh runtime   what `make demo` and a user of the library need
#   install-system-deps.sh test      the runtime set plus what the test suite drives (the default)
set -euo pipefail
set_name="${1:-test}"
# pyscard is built from source by pip: it needs swig, a C compiler and the PC/SC headers.
runtime=(
    python3-venv python3-dev pcscd libpcsclite1 libpcsclite-dev swig gcc make
)
# The real parts the tests use: vpcd for virtual cards in pcscd, OpenSC and SoftHSM as PKCS#11
# modules, redis for shared challenge stores, openssl for OCSP, msgfmt for the message catalogues,
# nginx and Chromium + its driver for the portal's deployment and browser tests; curl, OpenSSL's
# pkcs11 engine, Xvfb, xdotool and NSS's certutil for the TLS client-certificate login tests;
# pinentry-tty for the Web eID host's PIN dialog tests; poppler's pdfsig (with an NSS database made
# by certutil) to check the signed PDFs independently.
test_only=(
    vsmartcard-vpcd opensc opensc-pkcs11 softhsm2 pcsc-tools iproute2 util-linux
    redis-server openssl gettext nginx chromium chromium-driver
    curl libengine-pkcs11-openssl xvfb xdotool libnss3-tools pinentry-tty poppler-utils
)
case "$set_name" in
    runtime) packages=("${runtime[@]}") ;;
    test) packages=("${runtime[@]}" "${test_only[@]}") ;;
    *) echo "usage: $0 [runtime|test]" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages ($set_name): all present"
    exit 0
fi
echo "system packages ($set_name): installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
