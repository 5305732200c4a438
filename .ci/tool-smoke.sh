#!/usr/bin/env bash
# bash .ci/tool-smoke.sh FEED WORK [ONNX_SAMPLE_MODEL]
# Installs the igospp tool (package IGOSpp.Tool, packed into the local folder FEED) into a fresh tool path, the way a
# user does with `dotnet tool install` (FEED is added to the sources this machine is configured with; no source is
# named here), runs `igospp explain` on the bundled sample images with the bundled tiny ONNX model and, when given, on
# the ONNX sample's ResNet-18 classifier, checks the files (the .npy maps with NumPy when it is installed) and opens
# the report in headless Chromium: the page's self-check must report no script error and no missing picture.
set -euo pipefail
feed=$(realpath "$1")
work=$2
sample_model=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
nupkg=$(ls "$feed"/IGOSpp.Tool.[0-9]*.nupkg 2>/dev/null | head -n1)
[ -n "$nupkg" ] || { echo "tool-smoke: IGOSpp.Tool is not in $feed" >&2; exit 2; }
version=$(basename "$nupkg" .nupkg)
version=${version#IGOSpp.Tool.}

rm -rf "$work" && mkdir -p "$work"
# A package of the same version left in the machine's cache by an earlier run would be used instead of the new one.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/igospp.tool/$version"
dotnet tool install --tool-path "$work/tools" --add-source "$feed" IGOSpp.Tool --version "$version" 2>&1 | tail -n 2
igospp="$work/tools/igospp"
[ -x "$igospp" ] || { echo "tool-smoke: $igospp was not installed" >&2; exit 1; }

check_report() { # DIR EXPECTED_IMAGES
  local dir=$1 expected=$2 dom
  dom=$(chromium --headless --disable-gpu --no-sandbox --no-first-run --disable-dev-shm-usage \
        --user-data-dir="$work/chromium-profile" --virtual-time-budget=10000 --dump-dom "file://$dir/index.html" 2>/dev/null)
  local check
  check=$(grep -o '<pre id="igospp-self-check"[^>]*>' <<<"$dom" || true)
  echo "  self-check: $check"
  grep -q 'data-errors="0"' <<<"$check" || { echo "tool-smoke: the report in $dir has errors:" >&2; grep -A5 'igospp-self-check' <<<"$dom" >&2; return 1; }
  grep -q "data-images=\"$expected\"" <<<"$check" || { echo "tool-smoke: expected $expected pictures in $dir/index.html" >&2; return 1; }
}

echo "igospp explain: 10 sample images, the bundled tiny ONNX model"
out="$work/tiny"
"$igospp" explain "$root/IGOSpp.Benchmarks/Fixtures/tiny-cnn-3x16x16.onnx" "$root/samples/images" \
  --preset none --size 16 --mask-size 8 --iterations 2 --out "$out" 2>&1 | tail -n 3
[ "$(tail -n +2 "$out/results.csv" | grep -c ',ok,')" -eq 10 ] || { echo "tool-smoke: results.csv lacks 10 ok rows" >&2; exit 1; }
for f in index.html results.json results.jsonl; do [ -s "$out/$f" ] || { echo "tool-smoke: $out/$f missing" >&2; exit 1; }; done
[ "$(ls "$out"/images/*-panel.png | wc -l)" -eq 10 ] && [ "$(ls "$out"/images/*-saliency.npy | wc -l)" -eq 10 ] \
  || { echo "tool-smoke: panels or maps missing" >&2; exit 1; }
if /usr/bin/python3 -c "import numpy" 2>/dev/null; then
  /usr/bin/python3 - "$out/images" <<'PY'
import glob, sys, numpy
files = sorted(glob.glob(sys.argv[1] + "/*-saliency.npy"))
for f in files:
    a = numpy.load(f)
    assert a.dtype == numpy.float32 and a.shape == (8, 8) and numpy.isfinite(a).all(), (f, a.dtype, a.shape)
    full = numpy.load(f.replace("-saliency.npy", "-saliency-full.npy"))
    assert full.dtype == numpy.float32 and full.shape == (16, 16), (f, full.shape)
print(f"  numpy {numpy.__version__} reads the {len(files)} maps: float32 (8, 8) and (16, 16)")
PY
else
  echo "  (NumPy not installed: the .npy maps are checked by the tests' reader only)"
fi
check_report "$out" 30
chromium --headless --disable-gpu --no-sandbox --no-first-run --disable-dev-shm-usage --user-data-dir="$work/chromium-profile" \
  --virtual-time-budget=10000 --hide-scrollbars --window-size=1200,1400 --screenshot="$work/report.png" "file://$out/index.html" >/dev/null 2>&1
[ -s "$work/report.png" ] || { echo "tool-smoke: no screenshot" >&2; exit 1; }
echo "  screenshot: $work/report.png"

if [ -n "$sample_model" ]; then
  echo "igospp explain: one sample image, the ONNX sample's ResNet-18 classifier (one iteration)"
  # Its input is x·255 − mean per BGR channel; the sample images are grey, so the channel order does not matter:
  # mean/255 and std 1/255 on pixels in [0, 1] are the same normalization.
  out="$work/resnet"
  "$igospp" explain "$sample_model" "$root/samples/images/4-coat.png" --output logits --preset none --size 224 \
    --mean 0.404157,0.454510,0.482941 --std 0.00392157 --iterations 1 --out "$out" 2>&1 | tail -n 3
  [ "$(tail -n +2 "$out/results.csv" | grep -c ',ok,')" -eq 1 ] || { echo "tool-smoke: the ResNet run has no result" >&2; exit 1; }
  check_report "$out" 3
fi
echo "tool-smoke: ok"
