using System.Globalization;
using System.Text.Json;
using DreamTime.Imaging;
using DreamTime.IO;
using DreamTime.Models.Clip;
using DreamTime.Models.Diffusers;
using DreamTime.Models.Lora;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Finetuning;

/// <summary>
/// `dreamtime finetune`: DreamBooth on any diffusers folder. Start checks every input before the output folder is
/// touched, samples the class images once (kept in the folder, so a resume trains on the same ones), then trains
/// on <see cref="TrainingLoop"/> with periodic checkpoints; at the end it writes a diffusers folder (full weights)
/// or a LoRA file, and samples of the instance prompt.
/// </summary>
public static class FinetuneRun
{
    /// <summary>CLIP's BPE ranks frequent words first; a token below this id is an everyday word.</summary>
    private const int CommonTokenIds = 10000;
    private const int SampleSeeds = 4;

    public static FinetuneResult Start(FinetuneSettings settings, string outDir, bool overwrite, IRunObserver observer,
        CancellationToken cancel = default)
    {
        settings.Validate();
        foreach (var image in settings.Images) ImageIO.LoadImage(image); // a bad picture fails before any work
        var device = TorchRuntime.ResolveDevice(settings.Device);
        using var pipe = UserError.InSection("model", () => StableDiffusionPipeline.Load(settings.Model, device));
        if (CommonWordWarning(settings.Token, pipe.Tokenizer) is string warning) observer.Log("warning: " + warning);
        new RunFolder(outDir).PrepareNew(overwrite);
        var folder = new FinetuneFolder(outDir);
        AtomicFile.WriteAllText(folder.Config, JsonSerializer.Serialize(settings with
        {
            Model = Path.GetFullPath(settings.Model),
            Images = settings.Images.Select(Path.GetFullPath).ToList(),
        }, FinetuneSettings.Json));
        SampleClassImages(pipe, settings, folder, observer);
        return Train(pipe, settings, folder, null, observer, cancel);
    }

    public static FinetuneResult Resume(string dir, int? steps, IRunObserver observer, CancellationToken cancel = default)
    {
        var folder = new FinetuneFolder(dir);
        if (!File.Exists(folder.Config)) throw new UserError($"fine-tuning folder {dir}: no finetune_config.json; not a finetune output");
        FinetuneSettings settings;
        try { settings = JsonSerializer.Deserialize<FinetuneSettings>(File.ReadAllText(folder.Config), FinetuneSettings.Json)!; }
        catch (JsonException e) { throw new UserError($"{folder.Config}: not a fine-tuning configuration ({e.Message.Split('\n')[0]})"); }
        if (steps is int n) settings = settings with { Steps = n };
        settings.Validate();
        if (!Directory.Exists(folder.Checkpoint))
            throw new UserError($"fine-tuning folder {dir}: no checkpoint in {folder.Checkpoint} (it stopped before its first); start it " +
                "again with --overwrite");
        using var pipe = UserError.InSection("model",
            () => StableDiffusionPipeline.Load(settings.Model, TorchRuntime.ResolveDevice(settings.Device)));
        AtomicFile.WriteAllText(folder.Config, JsonSerializer.Serialize(settings, FinetuneSettings.Json));
        if (!File.Exists(folder.ClassTensors)) SampleClassImages(pipe, settings, folder, observer);
        return Train(pipe, settings, folder, folder.Checkpoint, observer, cancel);
    }

    /// <summary>A warning when the token already means something to the model, or null.</summary>
    public static string? CommonWordWarning(string token, ClipTokenizer? tokenizer)
    {
        var word = token.ToLowerInvariant();
        foreach (var family in Scenes.PriorLibrary.Default.Families)
            if (family.Nouns.Contains(word) || family.Slots.Any(s => s.Values.Any(v => v.Phrases.Contains(word))))
                return $"token '{token}' is a word of the built-in {family.Name} family; a rare word (sks) keeps the subject apart";
        if (tokenizer is null) return null;
        var ids = tokenizer.Encode(word);
        return ids.Length == 3 && ids[1] < CommonTokenIds
            ? $"token '{token}' is a common word for the tokenizer (id {ids[1]}); its meaning will bleed into the subject's, a rare " +
              "word (sks) keeps them apart"
            : null;
    }

    /// <summary>The view suffix of picture i (", front view"), or "" when the pictures' azimuths are not given.</summary>
    private static string View(FinetuneSettings s, int i) =>
        s.Azimuths.Count == 0 ? "" : $", {new Camera(0, s.Azimuths[i % s.Azimuths.Count], 1, 40).ViewName()} view";

    private static void SampleClassImages(StableDiffusionPipeline pipe, FinetuneSettings s, FinetuneFolder folder, IRunObserver observer)
    {
        var captions = Enumerable.Range(0, s.ClassImages).Select(i => s.ClassPrompt + View(s, i)).ToList();
        var latents = new List<Tensor>();
        if (s.ClassImages > 0)
            observer.Log($"sampling {s.ClassImages} class images of \"{s.ClassPrompt}\" ({s.ClassSampleSteps} steps, guidance " +
                $"{s.ClassGuidanceScale.ToString(CultureInfo.InvariantCulture)})");
        using var uncond = pipe.EncodePrompt("");
        var previews = new List<RgbImage>();
        for (int i = 0; i < s.ClassImages; i++)
        {
            using var scope = torch.NewDisposeScope();
            var shape = pipe.LatentShape(pipe.DefaultResolution, pipe.DefaultResolution);
            using var start = new Generator((ulong)(s.Seed * 100_003 + i));
            using var steps = new Generator((ulong)(s.Seed * 100_003 + i + 50_000));
            var noise = torch.randn(shape, generator: start);
            var sample = pipe.Sample(pipe.EncodePrompt(captions[i]), uncond, noise, s.ClassSampleSteps, s.ClassGuidanceScale,
                stepNoise: steps);
            latents.Add(sample.cpu().DetachFromDisposeScope());
            previews.Add(RgbImage.FromTensor(pipe.DecodeToImages(sample).cpu()[0]));
        }
        var all = s.ClassImages > 0 ? torch.cat(latents.ToArray(), 0) : torch.zeros(0);
        SafetensorsFile.Save(folder.ClassTensors, new Dictionary<string, Tensor> { ["latents"] = all },
            new Dictionary<string, string> { ["captions"] = JsonSerializer.Serialize(captions) });
        if (previews.Count > 0) ImageIO.SavePng(Path.Combine(folder.ClassImages, "class_images.png"), ImageIO.Grid(previews, 8));
        all.Dispose();
        foreach (var l in latents) l.Dispose();
    }

    private static FinetuneResult Train(StableDiffusionPipeline pipe, FinetuneSettings s, FinetuneFolder folder, string? checkpoint,
        IRunObserver observer, CancellationToken cancel)
    {
        var (pictures, originals) = SubjectPictures.Load(s.Images, pipe.DefaultResolution, observer.Log);
        using var instances = ToModelSpace(pipe, pictures);
        pictures.Dispose();
        var instanceCaptions = Enumerable.Range(0, s.Images.Count).Select(i => s.InstancePrompt + View(s, i)).ToList();
        var classFile = SafetensorsFile.Open(folder.ClassTensors);
        using var classes = classFile.Load("latents");
        var classCaptions = JsonSerializer.Deserialize<List<string>>(classFile.Metadata["captions"])!;
        using var trainer = new FinetuneTrainer(pipe, s, instances, instanceCaptions, classes, classCaptions);
        if (checkpoint != null)
        {
            trainer.LoadCheckpoint(checkpoint);
            if (trainer.StepReached > s.Steps)
                throw new UserError("steps", $"is {s.Steps}; the checkpoint is already at step {trainer.StepReached}");
            var kept = File.Exists(folder.MetricsLog)
                ? File.ReadLines(folder.MetricsLog).Take(trainer.StepReached).Select(l => l + "\n") : [];
            AtomicFile.WriteAllText(folder.MetricsLog, string.Concat(kept));
            observer.Log($"resuming {folder.Root} at step {trainer.StepReached + 1} of {s.Steps}");
        }
        else
            observer.Log($"fine-tuning {pipe.Folder} ({(s.IsLora ? $"LoRA rank {s.LoraRank}" : "full weights")}" +
                $"{(s.TrainTextEncoder ? ", text encoder too" : "")}) on {s.Images.Count} pictures as \"{s.InstancePrompt}\": " +
                $"{s.Steps} steps of {s.BatchSize} + {s.BatchSize} class images");
        using (var log = new StreamWriter(folder.MetricsLog, append: true))
        {
            var loop = new TrainingLoop(trainer, observer)
            {
                CheckpointFolder = folder.Checkpoint,
                CheckpointEvery = s.CheckpointEvery,
                CheckpointAtLast = true,
                ResumeHint = $"Continue it by resuming {folder.Root}",
                AfterStep = rec =>
                {
                    log.WriteLine(JsonSerializer.Serialize(
                        new { step = rec.Step, loss = rec.Loss, losses = rec.Losses, seconds = rec.Seconds }));
                    log.Flush();
                    return rec;
                },
            };
            if (loop.Run(trainer.StepReached + 1, s.Steps, cancel) == SessionOutcome.Interrupted)
                return new FinetuneResult(folder, trainer.StepReached, false, null);
        }
        string output;
        if (s.IsLora)
        {
            LoraFile.Write(folder.Lora, trainer.LoraNetworks.SelectMany(n => n.ToLayers()), LoraLayout.Diffusers);
            output = folder.Lora;
        }
        else
        {
            WriteModel(pipe, folder.Model);
            output = folder.Model;
        }
        WriteSamples(pipe, s, originals, folder.Samples);
        observer.Log($"done: {output} (load it with {(s.IsLora ? "generate --lora" : "generate --model")}), samples {folder.Samples}");
        return new FinetuneResult(folder, trainer.StepReached, true, output);
    }

    /// <summary>Pictures in [-1, 1] to what the model denoises: themselves in pixel space, else the VAE's mean latents.</summary>
    private static Tensor ToModelSpace(StableDiffusionPipeline pipe, Tensor pictures)
    {
        if (pipe.IsPixelSpace) return pictures.clone();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var latents = pipe.Vae!.Encode(pictures.to(pipe.Device).to(pipe.VaeDtype)).Mean.to(ScalarType.Float32)
            .Times(pipe.Vae.Config.ScalingFactor);
        return latents.cpu().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The fine-tuned pipeline as a diffusers folder: the source folder copied, its UNet and text-encoder weights
    /// replaced (float32, in the files diffusers reads first; other weight files of those two removed so that no
    /// stale variant is loaded instead).
    /// </summary>
    private static void WriteModel(StableDiffusionPipeline pipe, string target) => AtomicFile.WriteFolder(target, dir =>
    {
        foreach (var file in Directory.GetFiles(pipe.Folder, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(pipe.Folder, file);
            var component = relative.Split(Path.DirectorySeparatorChar)[0];
            bool weights = relative.EndsWith(".safetensors", StringComparison.Ordinal)
                || relative.EndsWith(".bin", StringComparison.Ordinal);
            if (component is "unet" or "text_encoder" && weights) continue;
            var to = Path.Combine(dir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        ComponentWeights.Save(pipe.Unet, Path.Combine(dir, "unet", "diffusion_pytorch_model.safetensors"), ScalarType.Float32);
        ComponentWeights.Save(pipe.TextEncoder, Path.Combine(dir, "text_encoder", "model.safetensors"), ScalarType.Float32,
            keyPrefix: "text_model.");
    });

    /// <summary>The subject's pictures above samples of the instance prompt from the fine-tuned model.</summary>
    private static void WriteSamples(StableDiffusionPipeline pipe, FinetuneSettings s, IReadOnlyList<RgbImage> originals, string path)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        int r = pipe.DefaultResolution;
        var shape = pipe.LatentShape(r, r);
        var uncond = pipe.EncodePrompt("");
        var samples = new List<RgbImage>();
        for (int i = 0; i < SampleSeeds; i++)
        {
            using var start = new Generator((ulong)i);
            using var steps = new Generator((ulong)(i + 1000));
            var latents = pipe.Sample(pipe.EncodePrompt(s.InstancePrompt + View(s, i)), uncond, torch.randn(shape, generator: start),
                s.ClassSampleSteps, s.ClassGuidanceScale, stepNoise: steps);
            samples.Add(RgbImage.FromTensor(pipe.DecodeToImages(latents).cpu()[0]));
        }
        var pictures = originals.Select(o =>
        {
            var t = torch.tensor(o.Pixels, new long[] { 1, o.Height, o.Width, 3 }).permute(0, 3, 1, 2);
            var resized = nn.functional.interpolate(t, size: new long[] { r, r }, mode: InterpolationMode.Area).permute(0, 2, 3, 1);
            return RgbImage.FromTensor(resized[0]);
        }).ToList();
        int columns = Math.Max(pictures.Count, samples.Count);
        var rows = pictures.Concat(Enumerable.Repeat(RgbImage.Filled(r, r, 1, 1, 1), columns - pictures.Count))
            .Concat(samples).Concat(Enumerable.Repeat(RgbImage.Filled(r, r, 1, 1, 1), columns - samples.Count)).ToList();
        ImageIO.SavePng(path, ImageIO.Grid(rows, columns, scale: Math.Max(1, 96 / r)));
    }
}
