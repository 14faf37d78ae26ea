#!/bin/sh
# CI entry point for the nginx module: installs nginx and nginx-dev when
# missing, builds libcorsgate.a and target/nginx/ngx_http_cors_module.so
# against the installed nginx, and runs the tests in bindings/nginx/t
# against the real nginx on 127.0.0.1.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)

if ! command -v nginx >/dev/null 2>&1 || [ ! -x /usr/share/nginx/src/configure ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y nginx nginx-dev
fi

if ! python3 -c "import pytest" >/dev/null 2>&1; then
    python3 -m pip install --quiet pytest || \
        DEBIAN_FRONTEND=noninteractive apt-get install -y python3-pytest
fi

# builds the static library (cargo build --release) and the module,
# relinking it when the library changed
"$root/bindings/nginx/build.sh"

cd "$root/bindings/nginx/t"
python3 -m pytest -q -p no:cacheprovider -rs .
