#!/usr/bin/env bash
# Explains the bundled sample images with the bundled Fashion-MNIST model and writes the pictures to out/quickstart.
# On Debian 12 it first installs, once, what TorchSharp needs (.ci/install-deps.sh; needs root or sudo).
set -euo pipefail
cd "$(dirname "$0")"
bash .ci/install-deps.sh
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
exec dotnet run -c Release --project samples/IGOSpp.Quickstart -- "$@"
