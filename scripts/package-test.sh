#!/usr/bin/env bash
# The two NuGet packages as users get them: packs the library (DreamTime) and the tool (DreamTime.Tool) into a local
# folder feed, installs the tool into a temporary tool path and runs `dreamtime generate` and `serve` from it, then
# builds and runs a console project that references the library package. A unique prerelease version keeps NuGet's cache out of it.
# Usage: scripts/package-test.sh [WORKDIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$(mktemp -d /tmp/dreamtime-packages-XXXXXX)}"
version="0.1.0-ci.$(date +%s)"
feed="$work/feed"
mkdir -p "$feed"
dotnet pack "$root/src/DreamTime/DreamTime.csproj" -c Release -o "$feed" -p:Version="$version" -v quiet -nologo
dotnet pack "$root/src/DreamTime.Cli/DreamTime.Cli.csproj" -c Release -o "$feed" -p:Version="$version" -v quiet -nologo
ls -la "$feed"

start=$(date +%s.%N)
dotnet tool install --tool-path "$work/tools" --add-source "$feed" DreamTime.Tool --version "$version"
installed=$(date +%s.%N)
(cd "$work" && "$work/tools/dreamtime" generate "a snowman" --iterations 3 --out "$work/tool-run")
done_=$(date +%s.%N)
test -f "$work/tool-run/model.glb"
awk -v a="$start" -v b="$installed" -v c="$done_" 'BEGIN { printf "tool: installed in %.1f s, first result (3 iterations) %.1f s later\n", b - a, c - b }'

# the web app from the installed tool: its page (with the bundled three.js) and the run just made
"$work/tools/dreamtime" serve --runs "$work" --port 0 >"$work/serve.log" 2>&1 &
serve=$!
url=""
for _ in $(seq 100); do url=$(grep -o 'http://[^ ]*' "$work/serve.log" || true); [ -n "$url" ] && break; sleep 0.2; done
test -n "$url"
# (read whole first: grep -q closing the pipe early would fail curl under pipefail)
page=$(curl -sf "$url"); script=$(curl -sf "${url}app.js"); runs=$(curl -sf "${url}api/runs")
grep -q '<title>DreamTime</title>' <<<"$page"
grep -q 'WebGLRenderer' <<<"$script"
grep -q '"id":"tool-run"' <<<"$runs"
kill -TERM $serve; wait $serve
echo "tool: serve answered at $url with its page and the run"

mkdir -p "$work/consumer"
cat > "$work/consumer/consumer.csproj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <RestoreAdditionalProjectSources>$feed</RestoreAdditionalProjectSources>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="DreamTime" Version="$version" />
  </ItemGroup>
</Project>
PROJ
cat > "$work/consumer/Program.cs" <<'CS'
using DreamTime.Configuration;
using DreamTime.Guidance;
using DreamTime.Training;

// the dreamfusion pipeline for 3 steps, with the built-in prior and with the learned prior the package ships
var config = new TrainConfig { Prompt = "a snowman", Pipeline = "dreamfusion", Stages = Pipelines.Stages("dreamfusion") };
config = config with { Stages = [config.Stages[0] with { Iterations = 3 }] };
foreach (var (name, guidance) in new (string, GuidanceSettings)[] { ("builtin", new BuiltinPriorSettings()), ("learned", new LearnedPriorSettings()) })
{
    using var run = GenerationRun.Start(config with { Guidance = guidance }, Path.Combine(args[0], name), overwrite: true,
        SilentRunObserver.Instance);
    Console.WriteLine($"{name}: {run.Run(CancellationToken.None)}");
}
CS
(cd "$work/consumer" && dotnet run -c Release -- "$work/library-runs")
test -f "$work/library-runs/builtin/model.glb"
test -f "$work/library-runs/learned/model.glb"
echo "package test: the tool and the library ran from the local feed ($version)"
