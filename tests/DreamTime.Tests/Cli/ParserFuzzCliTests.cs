using System.CommandLine;
using System.Text;
using DreamTime.Cli;
using DreamTime.Cli.Commands;
using DreamTime.IO;
using DreamTime.Tests.IO;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DreamTime.Tests.Cli;

/// <summary>
/// Broken files through the real command line (CliHost with the program's commands, in-process): exit code 2 and
/// one "error:" line on stderr naming the problem, never a stack trace.
/// </summary>
[Trait("Category", "fuzz")]
public sealed class ParserFuzzCliTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dt-cli-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    private static (int Exit, string Error) Cli(params string[] args)
    {
        var root = new Command("dreamtime");
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(SampleViewsCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        var err = new StringWriter();
        return (CliHost.Run(root, args, err), err.ToString());
    }

    private static string AssertOneErrorLine(int exit, string error, string mustContain)
    {
        Assert.Equal(CliHost.UserErrorExit, exit);
        Assert.DoesNotContain("   at ", error);
        var errors = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:")).ToList();
        Assert.Single(errors);
        Assert.Contains(mustContain, errors[0]);
        return errors[0];
    }

    private string Checkpoint(string name)
    {
        var folder = Path.Combine(_root, name);
        NonFiniteWeightsTests.CopyFolder(Fixtures.TinySd15, folder);
        return folder;
    }

    private (int, string) Sample(string model) =>
        Cli("sample", "--model", model, "--prompt", "a red mushroom", "--steps", "2", "--height", "32", "--width", "32", "--out",
            Path.Combine(_root, "out.png"));

    [Fact]
    public void SampleWithAnInvalidUtf8TensorNameIsOneLineAndExitCode2()
    {
        var model = Checkpoint("utf8");
        var weights = Path.Combine(model, "unet", "diffusion_pytorch_model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        int headerEnd = 8 + (int)BitConverter.ToUInt64(bytes, 0);
        bytes[Encoding.ASCII.GetString(bytes, 8, headerEnd - 8).IndexOf("conv_in.weight", StringComparison.Ordinal) + 8 + 2] = 0x92;
        File.WriteAllBytes(weights, bytes);
        var (exit, error) = Sample(model);
        output.WriteLine(AssertOneErrorLine(exit, error, "invalid UTF-8"));
    }

    [Fact]
    public void NonFiniteWeightsAreRefusedAndWithTheSwitchTheSamplerSaysWhereTheNaNAppeared()
    {
        var model = Checkpoint("nan");
        var weights = Path.Combine(model, "unet", "diffusion_pytorch_model.safetensors");
        using (var scope = NewDisposeScope())
        {
            var file = SafetensorsFile.Open(weights);
            var all = file.LoadAll();
            all["conv_out.bias"].view(-1)[0] = float.PositiveInfinity;
            SafetensorsFile.Save(weights, all, file.Metadata.ToDictionary());
        }
        var (exit, error) = Sample(model);
        output.WriteLine(AssertOneErrorLine(exit, error, "'conv_out.bias'"));
        using (NonFiniteWeights.Allow())
        {
            var (exit2, error2) = Sample(model);
            output.WriteLine(AssertOneErrorLine(exit2, error2, "the UNet's noise prediction at step 1 of 2 (t="));
        }
    }

    [Fact]
    public void BrokenConfigsAndPicturesAreOneLineAndExitCode2()
    {
        var config = Path.Combine(_root, "config.json");
        File.WriteAllText(config, """{"prompt": "a red mushroom", "iterations": 5, "iterations": 6}""");
        output.WriteLine(AssertOneErrorLine(
            Cli("generate", "--config", config, "--out", Path.Combine(_root, "run")) is var (e1, m1) ? e1 : 0, m1, "iterations"));
        output.WriteLine(
            AssertOneErrorLine(Cli("generate", "a red mushroom", "--set", "prompt=\"\\ud800\"", "--out",
            Path.Combine(_root, "run")) is var (e2, m2) ? e2 : 0, m2, "--set prompt"));

        var model = Checkpoint("config");
        File.WriteAllText(Path.Combine(model, "unet", "config.json"),
            """{"_class_name": "UNet2DConditionModel", "block_out_channels": "32"}""");
        output.WriteLine(AssertOneErrorLine(Sample(model) is var (e3, m3) ? e3 : 0, m3, "block_out_channels"));

        var picture = Path.Combine(_root, "object.png");
        File.WriteAllBytes(picture,
            new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0x7F, 0xFF, 0xFF, 0xFF });
        output.WriteLine(AssertOneErrorLine(
            Cli("generate", "--image", picture, "--out", Path.Combine(_root, "run")) is var (e4, m4) ? e4 : 0, m4, picture));
    }

    [Fact]
    public void MutatedUnetWeightsThroughSampleAreCleanErrors()
    {
        var model = Checkpoint("mutated");
        var weights = Path.Combine(model, "unet", "diffusion_pytorch_model.safetensors");
        var original = File.ReadAllBytes(weights);
        int headerEnd = 8 + (int)BitConverter.ToUInt64(original, 0);
        Fuzz.Run("sample (CLI)", Fuzz.Cases(4), 8, (rng, _) =>
        {
            File.WriteAllBytes(weights, Fuzz.MutateBytes(original, rng, 0, headerEnd));
            var (exit, error) = Sample(model);
            if (exit != 0) AssertOneErrorLine(exit, error, "");
        }, output);
    }
}
