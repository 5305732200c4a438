#!/usr/bin/env bash
# Runs the whole test suite: bash test.sh [extra dotnet test arguments]
# On Debian 12 it first installs, once, what TorchSharp and the tests need (.ci/install-deps.sh; needs root or sudo).
set -euo pipefail
cd "$(dirname "$0")"
bash .ci/install-deps.sh
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
exec dotnet test IGOSpp.sln -c Release "$@"
