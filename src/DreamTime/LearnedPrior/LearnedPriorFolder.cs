namespace DreamTime.LearnedPrior;

/// <summary>Names of everything a learned-prior training run writes.</summary>
public sealed class LearnedPriorFolder(string root)
{
    public string Root { get; } = Path.GetFullPath(root);
    public string Config => Path.Combine(Root, "config.json");
    /// <summary>The EMA model as a diffusers folder: what `sample --model` and guidance load.</summary>
    public string Model => Path.Combine(Root, "model");
    public string MetricsLog => Path.Combine(Root, "metrics.jsonl");
    public string LossCurve => Path.Combine(Root, "loss.png");
    public string Samples => Path.Combine(Root, "samples.png");
    public string LastCheckpoint => Path.Combine(Root, "checkpoints", "last");
}
