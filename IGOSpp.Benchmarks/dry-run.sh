#!/usr/bin/env bash
# Dry run of every benchmark (one invocation each, shrunk work: see Infrastructure/Smoke.cs), so they cannot rot.
# Usage: bash IGOSpp.Benchmarks/dry-run.sh [artifacts-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-BenchmarkDotNet.Artifacts/dry}
mkdir -p "$(dirname "$out")"
export OMP_WAIT_POLICY=PASSIVE IGOSPP_BENCH_SMOKE=1
dotnet run -c Release --no-build --project IGOSpp.Benchmarks -- --preset dry --filter '*' --artifacts "$out" > "$out.log" 2>&1 || {
  tail -n 60 "$out.log"; echo "benchmark dry run failed (log: $out.log)" >&2; exit 1; }
grep -E "executed benchmarks" "$out.log" | tail -n 1
dotnet run -c Release --no-build --project IGOSpp.Benchmarks -- model --onnx IGOSpp.Benchmarks/Fixtures/tiny-cnn-3x16x16.onnx --input 3x16x16 --mask 4 --dry --out "$out-model" > "$out-model.log" 2>&1 || {
  tail -n 60 "$out-model.log"; echo "model command dry run failed (log: $out-model.log)" >&2; exit 1; }
dotnet run -c Release --no-build --project IGOSpp.Benchmarks -- model --torchscript IGOSpp.Models.Tests/Fixtures/tiny_net.torchscript.pt --input 3x16x16 --mask 4 --dry --out "$out-torchscript" > "$out-torchscript.log" 2>&1 || {
  tail -n 60 "$out-torchscript.log"; echo "model command (TorchScript) dry run failed (log: $out-torchscript.log)" >&2; exit 1; }
echo "model command dry runs (ONNX, TorchScript): ok"
