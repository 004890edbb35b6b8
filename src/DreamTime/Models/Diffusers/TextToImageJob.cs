using DreamTime.Diffusion;
using DreamTime.Imaging;
using DreamTime.IO;
using DreamTime.Models.Lora;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Models.Diffusers;

/// <summary>
/// `sample`: one text-to-image run end to end: checks the request and the output paths, loads the checkpoint,
/// samples (optionally from saved latents) and writes the image as PNG and/or as a safetensors tensor 'image'
/// [1, H, W, 3] in [0, 1], each written beside and renamed.
/// </summary>
public static class TextToImageJob
{
    /// <summary>What a run made: the image size, whether a prompt was truncated, and the tokenizer's limit.</summary>
    public sealed record Outcome(int Height, int Width, int Steps, bool PromptTruncated, bool NegativePromptTruncated, int? MaxTokens);

    /// <param name="log">told "loading ..." before the checkpoint loads</param>
    /// <param name="progress">called after each sampler step with (step, steps, timestep)</param>
    public static Outcome Run(string modelFolder, StableDiffusionPipeline.TextToImageRequest request, string device, bool fp16Variant,
                              string? initLatents, string? png, string? tensorOut, Action<string>? log = null,
                              Action<int, int, int>? progress = null, IReadOnlyList<LoraReference>? loras = null)
    {
        if (png == null && tensorOut == null)
            throw new UserError("out", "give an output picture, an output tensor file (out_tensor) or both");
        if (png != null) AtomicFile.EnsureWritableFile(png, "output picture");
        if (tensorOut != null) AtomicFile.EnsureWritableFile(tensorOut, "output tensor file");
        request.Validate();
        if (initLatents != null && !File.Exists(initLatents)) throw new UserError("init_latents", $"{initLatents}: file not found");
        foreach (var lora in loras ?? []) lora.Validate("lora");

        var dev = TorchRuntime.ResolveDevice(device);
        log?.Invoke($"loading {modelFolder} on {dev}...");
        using var pipe = StableDiffusionPipeline.Load(modelFolder, dev, fp16Variant);
        foreach (var lora in loras ?? [])
            log?.Invoke($"merged {pipe.ApplyLora(lora)} LoRA layers of {lora.File} at scale {lora.Scale}");
        int h = request.Height ?? pipe.DefaultResolution, w = request.Width ?? pipe.DefaultResolution;
        using var scope = torch.NewDisposeScope();
        if (initLatents != null) request = request with { InitialLatents = ReadLatents(initLatents, pipe.LatentShape(h, w), h, w) };
        StableDiffusionPipeline.TextToImageResult result;
        // a non-finite sample comes from the weights or the settings, so it is the user's to fix
        try { result = pipe.TextToImage(request, progress); }
        catch (NonFiniteOutputException e) { throw new UserError($"sample: {e.Message}"); }
        if (tensorOut != null) SafetensorsFile.Save(tensorOut, new Dictionary<string, Tensor> { ["image"] = result.Image });
        if (png != null) ImageIO.SavePng(png, RgbImage.FromTensor(result.Image[0]));
        return new Outcome(h, w, request.Steps, result.PromptTruncated, result.NegativePromptTruncated, pipe.Tokenizer?.MaxLength);
    }

    /// <summary>Reads the tensor 'latents' and checks it has the shape the image size implies.</summary>
    public static Tensor ReadLatents(string path, long[] shape, int height, int width)
    {
        var file = SafetensorsFile.Open(path);
        if (!file.Entries.TryGetValue("latents", out var e))
            throw new UserError("init_latents", $"{path}: no tensor 'latents' " +
                                $"(found: {(file.Entries.Count == 0
                                    ? "none"
                                    : string.Join(", ", file.Entries.Keys.Select(k => $"'{k}'")))})");
        if (e.DType is not ("F32" or "F16" or "BF16" or "F64"))
            throw new UserError("init_latents", $"{path}: tensor 'latents' has dtype {e.DType}; expected a float type");
        if (!e.Shape.SequenceEqual(shape))
            throw new UserError("init_latents", $"{path}: tensor 'latents' has shape [{string.Join(",", e.Shape)}] " +
                                $"but height {height} and width {width} need [{string.Join(",", shape)}]");
        return file.Load("latents").to(ScalarType.Float32);
    }
}
