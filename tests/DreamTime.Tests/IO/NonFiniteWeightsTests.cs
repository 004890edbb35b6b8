using DreamTime.IO;
using DreamTime.Models.Diffusers;
using DreamTime.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.IO;

public class NonFiniteWeightsTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float64)]
    public void TheFirstNonFiniteElementIsFoundInEveryFloatType(ScalarType dtype)
    {
        foreach (var (value, at) in new[] { (float.NaN, 37), (float.PositiveInfinity, 0), (float.NegativeInfinity, 99) })
        {
            using var t = torch.linspace(-3, 3, 100).to(dtype);
            t[at] = value;
            t[at + (at < 99 ? 1 : -1)] = float.NaN; // a later (or earlier) one must not be reported first
            int expected = at < 99 ? at : 98;
            Assert.Equal(expected, NonFiniteWeights.FirstNonFinite(t.bytes, SafetensorsFile.ToDTypeName(dtype)));
        }
        using var finite = torch.linspace(-65000, 65000, 1001).to(dtype);
        Assert.Equal(-1, NonFiniteWeights.FirstNonFinite(finite.bytes, SafetensorsFile.ToDTypeName(dtype)));
    }

    [Fact]
    public void ACheckpointWithANaNIsRefusedNamingTheFileAndTensorAndLoadsWithTheSwitch()
    {
        var root = Directory.CreateTempSubdirectory("dt-nan-").FullName;
        try
        {
            var folder = Path.Combine(root, "tiny-sd15");
            CopyFolder(Fixtures.TinySd15, folder);
            var weights = Path.Combine(folder, "unet", "diffusion_pytorch_model.safetensors");
            const string bad = "mid_block.resnets.0.conv1.weight";
            using (var scope = NewDisposeScope())
            {
                var file = SafetensorsFile.Open(weights);
                var all = file.LoadAll();
                all[bad].view(-1)[3] = float.NaN;
                SafetensorsFile.Save(weights, all, file.Metadata.ToDictionary());
            }
            var e = Assert.Throws<UserError>(() => StableDiffusionPipeline.Load(folder).Dispose());
            Assert.Contains(weights, e.Message);
            Assert.Contains($"'{bad}'", e.Message);
            Assert.Contains(NonFiniteWeights.EnvironmentVariable, e.Message);
            Assert.DoesNotContain('\n', e.Message);

            using (NonFiniteWeights.Allow())
            using (var pipe = StableDiffusionPipeline.Load(folder))
            {
                var p = pipe.Unet.named_parameters().First(x => x.name == bad).parameter;
                Assert.True(p.isnan().any().item<bool>());
            }
        }
        finally { Directory.Delete(root, true); }
    }

    internal static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to));
    }
}
