using System.Text.Json;
using System.Text.Json.Nodes;
using DreamTime.Diffusion;
using DreamTime.Models.Clip;
using DreamTime.Models.Unet;
using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Models.Diffusers;

/// <summary>
/// Writes a Stable Diffusion pipeline in the diffusers folder layout, for models trained here. Only pixel-space
/// pipelines (no VAE) are written: model_index.json lists vae as [null, null], as diffusers records a pipeline
/// saved without one, so diffusers loads the folder when given vae=None; transformers loads text_encoder/ and
/// tokenizer/ as they are.
/// </summary>
public static class DiffusersWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// Replaces <paramref name="folder"/> with model_index.json, unet/, text_encoder/, tokenizer/ and scheduler/
    /// (weights in <paramref name="weightsType"/>, float32 by default). The folder appears complete or not at all:
    /// it is written beside the target and renamed into place.
    /// </summary>
    public static void SavePixelSpace(string folder, ClipTokenizer tokenizer, ClipTextModel textEncoder, UNet2DConditionModel unet,
        SchedulerConfig scheduler,
                                      ScalarType weightsType = ScalarType.Float32)
    {
        // a pixel-space UNet denoises the RGB image itself; anything else could not be loaded back
        if (unet.Config.InChannels != 3 || unet.Config.OutChannels != 3)
            throw new ArgumentException("a pixel-space UNet needs in_channels and out_channels 3, " +
                $"got {unet.Config.InChannels} and {unet.Config.OutChannels}", nameof(unet));
        AtomicFile.WriteFolder(folder, dir =>
        {
            WriteJson(Path.Combine(dir, "model_index.json"), ModelIndex(scheduler.ClassName));
            WriteJson(Path.Combine(dir, "scheduler", "scheduler_config.json"), scheduler.ToJson());
            WriteJson(Path.Combine(dir, "unet", "config.json"), unet.Config.ToJson());
            ComponentWeights.Save(unet, Path.Combine(dir, "unet", "diffusion_pytorch_model.safetensors"), weightsType);
            WriteJson(Path.Combine(dir, "text_encoder", "config.json"), textEncoder.Config.ToJson());
            ComponentWeights.Save(textEncoder, Path.Combine(dir, "text_encoder", "model.safetensors"), weightsType,
                keyPrefix: "text_model.");
            tokenizer.Save(Path.Combine(dir, "tokenizer"));
        });
    }

    private static JsonObject ModelIndex(string schedulerClass) => new()
    {
        ["_class_name"] = "StableDiffusionPipeline",
        ["feature_extractor"] = new JsonArray(null, null),
        ["image_encoder"] = new JsonArray(null, null),
        ["requires_safety_checker"] = false,
        ["safety_checker"] = new JsonArray(null, null),
        ["scheduler"] = new JsonArray("diffusers", schedulerClass),
        ["text_encoder"] = new JsonArray("transformers", "CLIPTextModel"),
        ["tokenizer"] = new JsonArray("transformers", "CLIPTokenizer"),
        ["unet"] = new JsonArray("diffusers", "UNet2DConditionModel"),
        ["vae"] = new JsonArray(null, null),
    };

    private static void WriteJson(string path, JsonObject o)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, o.ToJsonString(Indented) + "\n");
    }
}
