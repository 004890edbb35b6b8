using DreamTime.Finetuning;
using DreamTime.Imaging;
using DreamTime.Models.Diffusers;
using DreamTime.Models.Lora;
using DreamTime.Runtime;
using DreamTime.Tests.Models.Diffusers;
using DreamTime.Training;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Finetuning;

public sealed class FinetuneRunTests : IClassFixture<PixelSpaceCheckpoint>, IDisposable
{
    private readonly PixelSpaceCheckpoint _model;
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-finetune-").FullName;

    public FinetuneRunTests(PixelSpaceCheckpoint model) => _model = model;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private sealed class Recorder : IRunObserver
    {
        public List<string> Lines { get; } = new();
        public int? CancelAfter { get; init; }
        public CancellationTokenSource Cancel { get; } = new();
        public void Log(string message) => Lines.Add(message);
        public void StepCompleted(StepRecord record, int last)
        {
            if (record.Step == CancelAfter) Cancel.Cancel();
        }
    }

    /// <summary>Two 8x8 pictures of a red square on white, and one 12x10 picture (resized).</summary>
    private List<string> Pictures(bool odd = false)
    {
        var paths = new List<string>();
        for (int i = 0; i < (odd ? 3 : 2); i++)
        {
            int w = i == 2 ? 12 : 8, h = i == 2 ? 10 : 8;
            var img = RgbImage.Filled(h, w, 1, 1, 1);
            for (int y = 2; y < 6; y++)
                for (int x = 2 + i; x < 6; x++) { img.Pixels[3 * (y * w + x)] = 0.9f; img.Pixels[3 * (y * w + x) + 1] = 0.1f; }
            var path = Path.Combine(_dir, $"pic{i}.png");
            ImageIO.SavePng(path, img);
            paths.Add(path);
        }
        return paths;
    }

    private FinetuneSettings Settings(string method = "full") => new()
    {
        Model = _model.Folder,
        Images = Pictures(),
        Azimuths = [0, 180],
        ClassNoun = "square",
        Method = method,
        Steps = 4,
        BatchSize = 2,
        ClassImages = 2,
        ClassSampleSteps = 2,
        CheckpointEvery = 1,
        LearningRate = method == "full" ? 1e-3 : 1e-2,
    };

    private static Dictionary<string, Tensor> Unet(string modelFolder)
    {
        using var pipe = StableDiffusionPipeline.Load(modelFolder);
        return pipe.Unet.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
    }

    [Fact]
    public void FullFinetuningWritesALoadableModelAndResumesExactly()
    {
        var s = Settings();
        var straight = FinetuneRun.Start(s, Path.Combine(_dir, "straight"), false, new Recorder());
        Assert.True(straight.Completed);
        var interruptedObserver = new Recorder { CancelAfter = 2 };
        var interrupted = FinetuneRun.Start(s, Path.Combine(_dir, "resumed"), false, interruptedObserver, interruptedObserver.Cancel.Token);
        Assert.False(interrupted.Completed);
        Assert.Equal(2, interrupted.Step);
        var resumed = FinetuneRun.Resume(Path.Combine(_dir, "resumed"), null, new Recorder());
        Assert.True(resumed.Completed);

        var a = Unet(straight.Output!);
        var b = Unet(resumed.Output!);
        var original = Unet(_model.Folder);
        Assert.All(a, kv => Assert.True(kv.Value.eq(b[kv.Key]).all().item<bool>(), kv.Key));
        Assert.Contains(a, kv => (kv.Value - original[kv.Key]).abs().max().item<float>() > 1e-5);
        Assert.Equal(4, File.ReadAllLines(new FinetuneFolder(Path.Combine(_dir, "resumed")).MetricsLog).Length);
        Assert.True(File.Exists(straight.Folder.Samples));
    }

    [Fact]
    public void LoraFinetuningWritesAFileThatMergesIntoTheBaseModel()
    {
        var result = FinetuneRun.Start(Settings("lora"), Path.Combine(_dir, "lora"), false, new Recorder());
        Assert.True(result.Completed);
        var layers = LoraFile.Read(result.Output!);
        Assert.Contains(layers, l => l.Component == "unet");
        Assert.Contains(layers, l => l.Component == "text_encoder");
        using var pipe = StableDiffusionPipeline.Load(_model.Folder);
        var before = pipe.Unet.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        Assert.Equal(layers.Count, pipe.ApplyLora(new LoraReference(result.Output!)));
        Assert.Contains(pipe.Unet.named_parameters(), p => (p.parameter - before[p.name]).abs().max().item<float>() > 1e-6);
    }

    [Fact]
    public void ADivergingRunStopsAndKeepsTheLastGoodCheckpoint()
    {
        var s = Settings() with { LearningRate = 1e8, Steps = 30 };
        var e = Assert.Throws<TrainingDivergedException>(() => FinetuneRun.Start(s, Path.Combine(_dir, "nan"), false, new Recorder()));
        var checkpoint = new FinetuneFolder(Path.Combine(_dir, "nan")).Checkpoint;
        int kept = int.Parse(File.ReadAllText(Path.Combine(checkpoint, "step.txt")).Trim());
        Assert.True(kept < e.Step, $"checkpoint at {kept}, diverged at {e.Step}");
        var file = DreamTime.IO.SafetensorsFile.Open(Path.Combine(checkpoint, "trainable.safetensors"));
        Assert.All(file.Entries.Keys, k => Assert.True(isfinite(file.Load(k)).all().item<bool>(), k));
    }

    [Fact]
    public void BadInputsAreRefusedBeforeAnyWork()
    {
        var s = Settings();
        Assert.Equal("images", Assert.Throws<UserError>(() => FinetuneRun.Start(s with { Images = [] }, Path.Combine(_dir, "x"), false,
            new Recorder())).Key);
        var text = Path.Combine(_dir, "notes.png");
        File.WriteAllText(text, "not a picture");
        var e = Assert.Throws<UserError>(() => FinetuneRun.Start(s with { Images = [text], Azimuths = [] }, Path.Combine(_dir, "x"), false,
            new Recorder()));
        Assert.Contains("notes.png", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir, "x")));

        var taken = Path.Combine(_dir, "taken");
        Directory.CreateDirectory(taken);
        File.WriteAllText(Path.Combine(taken, "keep.txt"), "mine");
        Assert.Contains("not empty", Assert.Throws<UserError>(() => FinetuneRun.Start(s, taken, false, new Recorder())).Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(taken, "keep.txt")));

        // a common word warns, pictures of another size are resized and said so
        var observer = new Recorder();
        FinetuneRun.Start(s with { Token = "dog", Images = Pictures(odd: true), Azimuths = [], Steps = 1 }, Path.Combine(_dir, "warn"),
            false, observer);
        Assert.Contains(observer.Lines, l => l.StartsWith("warning: token 'dog' is a common word", StringComparison.Ordinal));
        Assert.Contains(observer.Lines, l => l.Contains("pic2.png: 12x10, resized to the model's 8x8"));
        Assert.Contains("mushroom family", FinetuneRun.CommonWordWarning("mushroom", null));
        Assert.Null(FinetuneRun.CommonWordWarning("sks", _model.Tokenizer));
    }
}
