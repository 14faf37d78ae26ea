#!/bin/sh
# CI entry point for HAProxy: installs haproxy, lua5.3 and liblua5.3-dev
# when missing (bindings/haproxy/build.sh does), builds libcorsgate.a and
# target/haproxy/corsgate.so, and runs the tests in bindings/haproxy/t
# against the real haproxy on 127.0.0.1 with a local backend.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)

if ! python3 -c "import pytest" >/dev/null 2>&1; then
    python3 -m pip install --quiet pytest ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y python3-pytest
fi

"$root/bindings/haproxy/build.sh"

cd "$root/bindings/haproxy/t"
echo "== haproxy tests: $(haproxy -v | head -n 1)"
python3 -m pytest -q -p no:cacheprovider -rs .
