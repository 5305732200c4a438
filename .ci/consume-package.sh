#!/usr/bin/env bash
# bash .ci/consume-package.sh FEED APP_DIR PACKAGE [FILE...]
# Builds and runs a throwaway console app, outside the repository, that references only PACKAGE (packed into the local
# folder FEED) and TorchSharp-cpu, runs .ci/consumers/PACKAGE/Program.cs and copies FILEs next to it: proves that the
# package works for a user who runs `dotnet add package PACKAGE`. The feed is added to the sources this machine is
# configured with (no source is cleared or named here).
set -euo pipefail
feed=$(realpath "$1")
app=$2
package=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
program="$here/consumers/$package/Program.cs"
[ -f "$program" ] || { echo "consume-package: no consumer program $program" >&2; exit 2; }
nupkg=$(ls "$feed/$package".[0-9]*.nupkg 2>/dev/null | head -n1)
[ -n "$nupkg" ] || { echo "consume-package: $package is not in $feed" >&2; exit 2; }
version=$(basename "$nupkg" .nupkg)
version=${version#"$package".}
torch=$(sed -n 's:.*<TorchSharpVersion>\(.*\)</TorchSharpVersion>.*:\1:p' "$here/../Directory.Packages.props")

# A package of the same version left in the machine's cache by an earlier run would be used instead of the new one.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/${package,,}/$version"

rm -rf "$app" && mkdir -p "$app"
cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="igospp-local" value="$feed" />
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
    <PackageReference Include="$package" Version="$version" />
    <PackageReference Include="TorchSharp-cpu" Version="$torch" />
  </ItemGroup>
  <ItemGroup>
    <None Include="*.onnx;*.pt" CopyToOutputDirectory="PreserveNewest" />
  </ItemGroup>
</Project>
XML
cp "$program" "$app/Program.cs"
for f in "$@"; do cp "$f" "$app/"; done
cd "$app"
dotnet run -c Release 2>&1 | tail -n 5
exit "${PIPESTATUS[0]}"
