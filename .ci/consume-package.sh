#!/usr/bin/env bash
# Builds and runs a throwaway console app that references the packed IGOSpp from a local folder feed (plus
# TorchSharp-cpu) and explains a tiny model: proves the package works for a user who runs `dotnet add package IGOSpp`.
set -euo pipefail
feed=$(realpath "$1")
app=$2
rm -rf "$app" && mkdir -p "$app"
version=$(ls "$feed"/IGOSpp.*.nupkg | grep -v snupkg | head -n1 | sed -E 's/.*IGOSpp\.([0-9][^/]*)\.nupkg/\1/')
cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
cat > "$app/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <RuntimeIdentifier>linux-x64</RuntimeIdentifier>
    <SelfContained>false</SelfContained>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="IGOSpp" Version="$version" />
    <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />
  </ItemGroup>
</Project>
XML
cat > "$app/Program.cs" <<'CS'
using IGOSpp;
using TorchSharp;
using static TorchSharp.torch;

torch.manual_seed(1);
var model = nn.Sequential(nn.Conv2d(1, 4, 3, padding: 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3));
var tensor = torch.randn(1, 16, 16);
using var explainer = new IgosPlusPlusExplainer(model, new IgosPlusPlusOptions { MaskSize = 8, Iterations = 3, IntegrationSteps = 4, Seed = 1 });
using SaliencyMap map = explainer.Explain(tensor, 2);
var lo = map.Mask.min().item<float>();
var hi = map.Mask.max().item<float>();
Console.WriteLine($"consumer: {map.Method} map {map.Height}x{map.Width}, mask in [{lo:F3}, {hi:F3}], {map.Trace.Iterations.Count} iterations");
if (map.Height != 8 || lo < 0 || hi > 1) return 1;
return 0;
CS
cd "$app"
dotnet run -c Release 2>&1 | tail -n 5
exit "${PIPESTATUS[0]}"
