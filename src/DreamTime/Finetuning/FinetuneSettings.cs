using System.Text.Json;
using System.Text.Json.Serialization;
using DreamTime.Runtime;

namespace DreamTime.Finetuning;

/// <summary>
/// DreamBooth fine-tuning of a diffusers model on a few pictures of one subject (`dreamtime finetune`): the pictures
/// are captioned "a {token} {class}", and images the model itself samples for "a {class}" keep the class from
/// drifting (prior preservation). Written beside the result as finetune_config.json; a resume reads it back.
/// </summary>
public sealed record FinetuneSettings
{
    public string Model { get; init; } = "";
    public IReadOnlyList<string> Images { get; init; } = [];
    /// <summary>The camera azimuth of each picture (degrees, 0 = front): captions then end in ", front view" etc., as
    /// the learned prior's training captions and view-dependent prompts do; empty = no view in the captions.</summary>
    public IReadOnlyList<double> Azimuths { get; init; } = [];
    /// <summary>The rare word that comes to name the subject.</summary>
    public string Token { get; init; } = "sks";
    /// <summary>The class noun ("mushroom"): captions "a sks mushroom", class prompts "a mushroom".</summary>
    public string ClassNoun { get; init; } = "";
    /// <summary>"full" (every UNet and text-encoder weight) or "lora" (adapters on their attention).</summary>
    public string Method { get; init; } = "full";
    public int Steps { get; init; } = 300;
    /// <summary>null = 5e-5 for full weights, 1e-3 for a LoRA.</summary>
    public double? LearningRate { get; init; }
    /// <summary>Pictures per step (drawn with replacement), and as many class images.</summary>
    public int BatchSize { get; init; } = 4;
    /// <summary>Weight of the class images' loss; 0 = no prior preservation.</summary>
    public double PriorLossWeight { get; init; } = 1;
    public int ClassImages { get; init; } = 32;
    public int ClassSampleSteps { get; init; } = 50;
    public double ClassGuidanceScale { get; init; } = 5;
    public bool TrainTextEncoder { get; init; } = true;
    public int LoraRank { get; init; } = 4;
    /// <summary>null = the rank (a scale of 1).</summary>
    public double? LoraAlpha { get; init; }
    /// <summary>The attention projections that get adapters; null = all of them.</summary>
    public IReadOnlyList<string>? LoraTargets { get; init; }

    [JsonIgnore] public Models.Lora.LoraSettings Lora => new() { Rank = LoraRank, Alpha = LoraAlpha, Targets = LoraTargets };
    public long Seed { get; init; }
    public string Device { get; init; } = "cpu";
    public int CheckpointEvery { get; init; } = 50;

    [JsonIgnore] public bool IsLora => Method == "lora";
    [JsonIgnore] public double EffectiveLearningRate => LearningRate ?? (IsLora ? 1e-3 : 5e-5);

    public string InstancePrompt => $"a {Token} {ClassNoun}";
    public string ClassPrompt => $"a {ClassNoun}";

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public void Validate()
    {
        foreach (var (key, value) in new (string, object?)[] { ("images", Images), ("azimuths", Azimuths), ("token", Token),
                     ("class_noun", ClassNoun), ("method", Method), ("device", Device) })
            if (value is null) throw new UserError(key, "is null; give it a value or remove the key for the default");
        if (Images.Any(string.IsNullOrWhiteSpace)) throw new UserError("images", "has an empty file name");
        if (string.IsNullOrWhiteSpace(Model)) throw new UserError("model", "is empty; give the diffusers folder to fine-tune");
        if (Images.Count == 0) throw new UserError("images", "is empty; give one picture of the subject or more (3 to 5 is usual)");
        if (Azimuths.Count != 0 && Azimuths.Count != Images.Count)
            throw new UserError("azimuths", $"has {Azimuths.Count} values for {Images.Count} pictures; give one per picture or none");
        if (string.IsNullOrWhiteSpace(Token) || Token.Any(char.IsWhiteSpace))
            throw new UserError("token", $"'{Token}' must be one word");
        if (string.IsNullOrWhiteSpace(ClassNoun)) throw new UserError("class_noun", "is empty; name the subject's class (\"mushroom\")");
        if (Method is not ("full" or "lora")) throw new UserError("method", $"{Method}: use full or lora");
        if (Steps < 1 || Steps > 100_000) throw new UserError("steps", $"is {Steps}; must be in [1, 100000]");
        if (LearningRate is double lr && !(lr > 0 && double.IsFinite(lr)))
            throw new UserError("learning_rate", $"is {lr}; must be positive");
        if (BatchSize < 1 || BatchSize > 64) throw new UserError("batch_size", $"is {BatchSize}; must be in [1, 64]");
        if (!(PriorLossWeight >= 0 && double.IsFinite(PriorLossWeight)))
            throw new UserError("prior_loss_weight", $"is {PriorLossWeight}; must be 0 or more");
        if (ClassImages < 0 || ClassImages > 10_000) throw new UserError("class_images", $"is {ClassImages}; must be in [0, 10000]");
        if (PriorLossWeight > 0 && ClassImages == 0)
            throw new UserError("class_images", "is 0 but prior_loss_weight is not; sample some class images or set the weight to 0");
        if (ClassSampleSteps < 1 || ClassSampleSteps > 1000)
            throw new UserError("class_sample_steps", $"is {ClassSampleSteps}; must be in [1, 1000]");
        if (!double.IsFinite(ClassGuidanceScale)) throw new UserError("class_guidance_scale", "must be a finite number");
        if (LoraRank > 256) throw new UserError("lora_rank", $"is {LoraRank}; must be in [1, 256]");
        Lora.Validate();
        if (IsLora && !Models.Lora.LoraSettings.UnetProjections.Any(Lora.Adapts) && !TrainTextEncoder)
            throw new UserError("lora_targets", "names only text-encoder projections, but the text encoder is frozen (train_text_encoder " +
                "false): nothing would train");
        if (CheckpointEvery < 0) throw new UserError("checkpoint_every", $"is {CheckpointEvery}; must be >= 0 (0 = only at the end)");
    }
}
