using System.Diagnostics;
using System.Text.Json;
using DreamTime.Geometry;
using Xunit;
using Xunit.Abstractions;

namespace DreamTime.Tests.Geometry;

/// <summary>
/// The GLB files the project writes, checked by the Khronos glTF validator (npm package gltf-validator, pinned in
/// tools/gltf-validator, installed there by `npm ci`, which .ci/run does before the tests).
/// </summary>
public sealed class GltfValidatorTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dreamtime-validator-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string Tool = Path.Combine(FindRoot(), "tools", "gltf-validator");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "DreamTime.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("DreamTime.slnx not found above " + AppContext.BaseDirectory);
    }

    public static TheoryData<string> Files() => new(["textured", "textured-metallic-roughness", "textured-unlit", "vertex-coloured"]);

    [Theory]
    [MemberData(nameof(Files))]
    public void WrittenGlbHasNoErrorsOrWarnings(string kind)
    {
        var path = Path.Combine(_dir, kind + ".glb");
        switch (kind)
        {
            case "textured": GlbWriter.Write(path, TexturedExportTests.BakedBall(metallicRoughness: false)); break;
            case "textured-metallic-roughness": GlbWriter.Write(path, TexturedExportTests.BakedBall(metallicRoughness: true)); break;
            case "textured-unlit":
                GlbWriter.Write(path, TexturedExportTests.BakedBall(metallicRoughness: false), new GlbOptions { Unlit = true });
                break;
            default: GlbWriter.Write(path, GltfExportTests.ColouredBall()); break;
        }
        var report = Validate(path);
        output.WriteLine(report.GetRawText());
        Assert.True(report.GetProperty("errors").GetInt32() == 0 && report.GetProperty("warnings").GetInt32() == 0,
            $"{kind}: the validator reports {report.GetRawText()}");
    }

    /// <summary>Runs tools/gltf-validator/validate.js on the file and returns its JSON report (issue counts and messages).</summary>
    private static JsonElement Validate(string path)
    {
        var script = Path.Combine(Tool, "validate.js");
        Assert.True(File.Exists(script), $"{script} is missing");
        Assert.True(Directory.Exists(Path.Combine(Tool, "node_modules", "gltf-validator")),
            $"the glTF validator is not installed: run `npm ci` in {Tool} (.ci/run does)");
        var start = new ProcessStartInfo("node", [script, path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"Node.js is needed to run the glTF validator, and `node` could not be started: {e.Message}");
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(120_000), "the validator did not finish in two minutes");
            Assert.True(process.ExitCode == 0, $"validate.js exited with {process.ExitCode}: {stderr.Result}");
            return JsonDocument.Parse(stdout).RootElement.Clone();
        }
    }
}
