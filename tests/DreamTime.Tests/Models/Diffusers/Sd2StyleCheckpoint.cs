using System.Text.Json.Nodes;
using DreamTime.IO;
using DreamTime.Models.Clip;
using DreamTime.Models.Diffusers;
using DreamTime.Models.Unet;
using DreamTime.Models.Vae;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Diffusers;

/// <summary>
/// Writes a small SD 2.x-style checkpoint with random weights: per-block head list, linear transformer projections,
/// upcast attention, a gelu text encoder with "text_model." keys and the legacy eos id, v-prediction DDIM, a sharded
/// fp16 UNet and a VAE with both float32 and fp16-variant files.
/// </summary>
public static class Sd2StyleCheckpoint
{
    public static readonly JsonObject TextConfig = new()
    {
        ["architectures"] = new JsonArray("CLIPTextModel"),
        ["hidden_act"] = "gelu",
        ["hidden_size"] = 32,
        ["intermediate_size"] = 64,
        ["num_hidden_layers"] = 2,
        ["num_attention_heads"] = 4,
        ["max_position_embeddings"] = 77,
        ["vocab_size"] = 49408,
        ["layer_norm_eps"] = 1e-5,
        ["eos_token_id"] = 2,
        ["bos_token_id"] = 0,
        ["pad_token_id"] = 1,
        ["projection_dim"] = 32,
    };

    public static readonly JsonObject UnetConfig = new()
    {
        ["_class_name"] = "UNet2DConditionModel",
        ["sample_size"] = 8,
        ["in_channels"] = 4,
        ["out_channels"] = 4,
        ["down_block_types"] = new JsonArray("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
        ["up_block_types"] = new JsonArray("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
        ["block_out_channels"] = new JsonArray(32, 64, 64),
        ["layers_per_block"] = 1,
        ["attention_head_dim"] = new JsonArray(2, 4, 4),
        ["num_attention_heads"] = null,
        ["use_linear_projection"] = true,
        ["upcast_attention"] = true,
        ["cross_attention_dim"] = 32,
        ["norm_num_groups"] = 32,
        ["flip_sin_to_cos"] = true,
        ["freq_shift"] = 0,
        ["act_fn"] = "silu",
    };

    public static readonly JsonObject VaeConfig = new()
    {
        ["_class_name"] = "AutoencoderKL",
        ["block_out_channels"] = new JsonArray(32, 32),
        ["down_block_types"] = new JsonArray("DownEncoderBlock2D", "DownEncoderBlock2D"),
        ["up_block_types"] = new JsonArray("UpDecoderBlock2D", "UpDecoderBlock2D"),
        ["latent_channels"] = 4,
        ["layers_per_block"] = 1,
        ["norm_num_groups"] = 32,
        ["sample_size"] = 16,
        ["scaling_factor"] = 0.13025,
    };

    public static readonly JsonObject SchedulerConfig = new()
    {
        ["_class_name"] = "DDIMScheduler",
        ["beta_start"] = 0.00085,
        ["beta_end"] = 0.012,
        ["beta_schedule"] = "scaled_linear",
        ["clip_sample"] = false,
        ["set_alpha_to_one"] = false,
        ["steps_offset"] = 1,
        ["prediction_type"] = "v_prediction",
        ["num_train_timesteps"] = 1000,
        ["timestep_spacing"] = "leading",
    };

    public static readonly JsonObject ModelIndex = new()
    {
        ["_class_name"] = "StableDiffusionPipeline",
        ["scheduler"] = new JsonArray("diffusers", "DDIMScheduler"),
        ["text_encoder"] = new JsonArray("transformers", "CLIPTextModel"),
        ["tokenizer"] = new JsonArray("transformers", "CLIPTokenizer"),
        ["unet"] = new JsonArray("diffusers", "UNet2DConditionModel"),
        ["vae"] = new JsonArray("diffusers", "AutoencoderKL"),
    };

    public static void WriteJson(string path, JsonObject o)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, o.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// TorchSharp leaves norm parameters uninitialised; this draws every weight: norms near (1, 0), the rest
    /// scaled by fan-in so activations stay in a sane range through the deep net.
    /// </summary>
    public static void RandomizeWeights(Generator g, params nn.Module[] modules)
    {
        using var _ = torch.no_grad();
        foreach (var m in modules)
            foreach (var (name, p) in m.named_parameters())
            {
                var r = torch.randn(p.shape, generator: g);
                bool norm = name.Contains("norm");
                bool bias = name.EndsWith("bias");
                double fanIn = p.ndim > 1 ? p.shape.Skip(1).Aggregate(1L, (a, b) => a * b) : 1;
                var value = norm && !bias ? r.Times(0.1).Plus(1) : bias ? r.Times(0.05) : r.DividedBy(Math.Sqrt(fanIn));
                p.copy_(value);
            }
    }

    /// <summary>Creates the folder with configs and random weights; returns the generated (float32) models for comparison.</summary>
    public static (ClipTextModel Text, UNet2DConditionModel Unet, AutoencoderKL Vae) Write(string dir, long seed)
    {
        torch.manual_seed(seed);
        WriteJson(Path.Combine(dir, "model_index.json"), ModelIndex);
        WriteJson(Path.Combine(dir, "scheduler", "scheduler_config.json"), SchedulerConfig);
        WriteJson(Path.Combine(dir, "text_encoder", "config.json"), TextConfig);
        WriteJson(Path.Combine(dir, "unet", "config.json"), UnetConfig);
        WriteJson(Path.Combine(dir, "vae", "config.json"), VaeConfig);

        var text = new ClipTextModel(ClipTextConfig.From(ConfigJson.Read(Path.Combine(dir, "text_encoder", "config.json"))));
        var unet = new UNet2DConditionModel(UNetConfig.From(ConfigJson.Read(Path.Combine(dir, "unet", "config.json"))));
        var vae = new AutoencoderKL(AutoencoderKLConfig.From(ConfigJson.Read(Path.Combine(dir, "vae", "config.json"))));
        RandomizeWeights(new Generator((ulong)seed), text, unet, vae);

        // text encoder: transformers-style keys with the prefix and the position-id buffer
        var textTensors = text.named_parameters().ToDictionary(p => "text_model." + p.name, p => (Tensor)p.parameter.detach());
        textTensors["text_model.embeddings.position_ids"] = ScalarArithmetic.Arange(77, ScalarType.Int64).unsqueeze(0);
        SafetensorsFile.Save(Path.Combine(dir, "text_encoder", "model.safetensors"), textTensors);

        // UNet: fp16, two shards and an index
        var unetParams = unet.named_parameters().Select(p => (p.name, p.parameter.detach().to(ScalarType.Float16))).ToList();
        var half = unetParams.Count / 2;
        var shards = new[] { unetParams.Take(half).ToList(), unetParams.Skip(half).ToList() };
        var weightMap = new JsonObject();
        for (int s = 0; s < 2; s++)
        {
            var name = $"diffusion_pytorch_model-0000{s + 1}-of-00002.safetensors";
            SafetensorsFile.Save(Path.Combine(dir, "unet", name), shards[s].ToDictionary(x => x.name, x => x.Item2));
            foreach (var (n, _) in shards[s]) weightMap[n] = name;
        }
        WriteJson(Path.Combine(dir, "unet", "diffusion_pytorch_model.safetensors.index.json"),
            new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = weightMap });

        // VAE: float32 file and an fp16 variant
        ComponentWeights.Save(vae, Path.Combine(dir, "vae", "diffusion_pytorch_model.safetensors"));
        ComponentWeights.Save(vae, Path.Combine(dir, "vae", "diffusion_pytorch_model.fp16.safetensors"), ScalarType.Float16);
        return (text, unet, vae);
    }
}
