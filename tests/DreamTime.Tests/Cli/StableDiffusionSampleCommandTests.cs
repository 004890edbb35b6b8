using DreamTime.Cli.Commands;
using DreamTime.IO;
using DreamTime.Runtime;
using DreamTime.Tests.Models.Diffusers;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Cli;

public class StableDiffusionSampleCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dreamtime-sample-" + Guid.NewGuid().ToString("N"));

    public StableDiffusionSampleCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static (int Exit, string Out, string Err) Run(params string[] args)
        => CommandTestSupport.Invoke(SampleCommand.Create(), args);

    private string WriteLatents(string name, Tensor latents)
    {
        var path = Path.Combine(_dir, name);
        SafetensorsFile.Save(path, new Dictionary<string, Tensor> { ["latents"] = latents });
        return path;
    }

    [Fact]
    public void ReproducesTheReferencePipelineImage()
    {
        using var scope = NewDisposeScope();
        var latents = WriteLatents("latents.safetensors", TinySd.Ref("pipe_latents"));
        var tensorPath = Path.Combine(_dir, "image.safetensors");
        var pngPath = Path.Combine(_dir, "image.png");
        var (exit, output, error) = Run("--model", Fixtures.TinySd15, "--prompt", "a photo of an astronaut", "--negative-prompt", "",
            "--steps", "5", "--guidance", "7.5", "--height", "32", "--width", "32", "--init-latents", latents,
            "--out-tensor", tensorPath, "--out", pngPath);
        Assert.Equal(0, exit);
        Assert.Contains("step 5/5", error);
        Assert.Contains("sampled 32x32", output);
        var file = SafetensorsFile.Open(tensorPath);
        Assert.Equal(new[] { "image" }, file.Entries.Keys.ToArray());
        Assert.Equal("F32", file.Entries["image"].DType);
        TinySd.AssertClose(TinySd.Ref("pipe_image_hwc"), file.Load("image"), 1e-4, "sample --out-tensor");
        var png = File.ReadAllBytes(pngPath);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Fact]
    public void SeededNoiseIsReproducibleAndDefaultsToTheModelResolution()
    {
        var a = Path.Combine(_dir, "a.safetensors");
        var b = Path.Combine(_dir, "b.safetensors");
        Assert.Equal(0, Run("--model", Fixtures.TinySd15, "--prompt", "a cat", "--steps", "2", "--seed", "4", "--out-tensor", a).Exit);
        Assert.Equal(0, Run("--model", Fixtures.TinySd15, "--prompt", "a cat", "--steps", "2", "--seed", "4", "--out-tensor", b).Exit);
        using var ia = SafetensorsFile.Open(a).Load("image");
        using var ib = SafetensorsFile.Open(b).Load("image");
        Assert.Equal(new long[] { 1, 32, 32, 3 }, ia.shape);
        // equal up to rounding: under parallel tests the math library may split a product differently between threads
        // (1.8e-6 seen after two steps), far below what a different seed changes
        Assert.True(TinySd.MaxAbsDiff(ia, ib) < 1e-4, $"the same seed differs by {TinySd.MaxAbsDiff(ia, ib)}");
    }

    [Fact]
    public void BadInputsAreOneLineErrors()
    {
        var outPath = Path.Combine(_dir, "x.safetensors");
        string Error(params string[] extra) =>
            Assert.Throws<UserError>(() => Run(["--model", Fixtures.TinySd15, "--prompt", "p", "--steps", "1", .. extra])).Message;

        var wrongShape = WriteLatents("wrong.safetensors", zeros(1, 4, 8, 8));
        var m = Error("--init-latents", wrongShape, "--out-tensor", outPath);
        Assert.Contains("'latents'", m);
        Assert.Contains("[1,4,8,8]", m);
        Assert.Contains("[1,4,16,16]", m);

        var wrongName = Path.Combine(_dir, "named.safetensors");
        SafetensorsFile.Save(wrongName, new Dictionary<string, Tensor> { ["noise"] = zeros(1, 4, 16, 16) });
        m = Error("--init-latents", wrongName, "--out-tensor", outPath);
        Assert.Contains("no tensor 'latents'", m);
        Assert.Contains("'noise'", m);

        Assert.StartsWith("height: is 30;", Error("--height", "30", "--out-tensor", outPath));
        Assert.StartsWith("out: give an output picture", Error());
        Assert.StartsWith("device: tpu: unknown device", Error("--device", "tpu", "--out-tensor", outPath));
    }

    /// <summary>A kohya LoRA for the fixture's UNet, with B random so that it changes the model.</summary>
    private string WriteFixtureLora()
    {
        using var unet = new DreamTime.Models.Unet.UNet2DConditionModel(TinySd.Pipeline.Unet.Config);
        using var net = DreamTime.Models.Lora.LoraNetwork.Attach(unet, "unet", new DreamTime.Models.Lora.LoraSettings(),
            new Generator(3));
        using (no_grad())
            foreach (var a in net.Adapters.Values) a.Up.copy_(randn(a.Up.shape, generator: new Generator(4)));
        var path = Path.Combine(_dir, "style.safetensors");
        DreamTime.Models.Lora.LoraFile.Write(path, net.ToLayers(), DreamTime.Models.Lora.LoraLayout.Kohya);
        return path;
    }

    [Fact]
    public void LoraChangesTheSampleAndScaleZeroLeavesIt()
    {
        var lora = WriteFixtureLora();
        string[] common = ["--model", Fixtures.TinySd15, "--prompt", "a cat", "--steps", "2", "--seed", "4"];
        var plain = Path.Combine(_dir, "plain.safetensors");
        var zero = Path.Combine(_dir, "zero.safetensors");
        var styled = Path.Combine(_dir, "styled.safetensors");
        Assert.Equal(0, Run([.. common, "--out-tensor", plain]).Exit);
        Assert.Equal(0, Run([.. common, "--lora", lora + ":0", "--out-tensor", zero]).Exit);
        var (exit, _, err) = Run([.. common, "--lora", lora, "--out-tensor", styled]);
        Assert.Equal(0, exit);
        Assert.Contains("merged", err);
        using var p = SafetensorsFile.Open(plain).Load("image");
        using var z = SafetensorsFile.Open(zero).Load("image");
        using var s = SafetensorsFile.Open(styled).Load("image");
        // scale 0 merges W + 0: the same sample up to the rounding parallel tests cause (see the seed test above)
        Assert.True(TinySd.MaxAbsDiff(p, z) < 1e-4, $"scale 0 changed the sample by {TinySd.MaxAbsDiff(p, z)}");
        Assert.True(TinySd.MaxAbsDiff(p, s) > 1e-2, $"the LoRA changed the sample by only {TinySd.MaxAbsDiff(p, s)}");

        // the CLI host prints a UserError as one line and exits with 2 (CliHostTests)
        var missing = Assert.Throws<UserError>(() =>
            Run([.. common, "--lora", Path.Combine(_dir, "nope.safetensors"), "--out-tensor", styled]));
        Assert.Contains("nope.safetensors: no such LoRA file", missing.Message);
    }
}
