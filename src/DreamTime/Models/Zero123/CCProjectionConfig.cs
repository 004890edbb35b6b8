using DreamTime.IO;
using DreamTime.Runtime;

namespace DreamTime.Models.Zero123;

/// <summary>cc_projection/config.json of the diffusers Zero-1-to-3 conversions (defaults: a ViT-L/14 embedding of 768).</summary>
public sealed record CCProjectionConfig(int InChannel = 772, int OutChannel = 768)
{
    public static CCProjectionConfig From(ConfigJson c)
    {
        var cfg = new CCProjectionConfig(c.Int("in_channel", 772), c.Int("out_channel", 768));
        if (cfg.InChannel <= Zero123Pose.FeatureCount || cfg.OutChannel <= 0)
            throw new UserError($"{c.Path}: in_channel {cfg.InChannel} and out_channel {cfg.OutChannel} must be positive, " +
                $"in_channel more than the {Zero123Pose.FeatureCount} pose features");
        return cfg;
    }
}
