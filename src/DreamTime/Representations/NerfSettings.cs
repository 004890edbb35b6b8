using DreamTime.Representations.Nerf;
using DreamTime.Runtime;

namespace DreamTime.Representations;

/// <summary>The NeRF: its network, the learning rate of each parameter group, its regularisers and its mesh export.</summary>
public sealed record NerfSettings : RepresentationSettings
{
    public NerfConfig Field { get; init; } = new();
    public double LrEncoding { get; init; } = 0.01;
    // Measured on "a red mushroom", 600 steps at 32x32: with 0.001 for the MLPs and background the result stayed
    // at 8.8 dB after 100 steps with a purple background; 0.01 reached 25.6 dB and a white background.
    public double LrNetwork { get; init; } = 0.01;
    public double LrBackground { get; init; } = 0.01;
    public double LambdaOrientation { get; init; } = 0.01;
    public double LambdaSparsity { get; init; } = 0.0;
    public double LambdaOpacityEntropy { get; init; } = 0.0;
    public int MeshResolution { get; init; } = 96;
    // Density iso-level of the exported mesh. Measured on a trained "a red mushroom" (64x64, 800 steps), mesh mask IoU
    // against the nearest member: 2: 0.89, 4: 0.94, 5: 0.95, 6: 0.955, 8: 0.90, 10: 0.80, 15: 0.52 (density saturates near 10).
    public double MeshThreshold { get; init; } = 5;
    /// <summary>Empty-space skipping: the field is queried only at samples inside cells of an occupancy grid whose density
    /// may exceed <see cref="OccupancyThreshold"/> (instant-ngp's, nerfacc's). False queries every sample.</summary>
    public bool OccupancyGrid { get; init; } = true;
    /// <summary>Cells per side of the occupancy grid over the NeRF's bound.</summary>
    public int OccupancyResolution { get; init; } = 64;
    /// <summary>Density below which a cell is empty (its samples get none). A skipped sample at density 1 would have had
    /// alpha 1 - exp(-delta) of at most 4% (48 samples over the bound's diameter), so faint haze goes too. Measured on "a
    /// red mushroom" (300 steps, off: 25.91 dB at 0.107 s/step): 0.01: 25.86 dB, 0.102 s; 0.1: 27.06, 0.096 s; 1: 26.98,
    /// 0.076 s; the main job at 1: NeRF 28.98 dB (off 28.84), exported asset 29.53 (off 29.27), 2 min 8 s (off 2 min 41 s).</summary>
    public double OccupancyThreshold { get; init; } = 1;
    /// <summary>Steps between occupancy updates (each reads the density once per cell).</summary>
    public int OccupancyUpdateEvery { get; init; } = 16;

    public override void Validate()
    {
        if (Field is null) throw new UserError("field", "is null; give it a value or remove the key to use the default");
        try { Field.Validate(); }
        catch (UserError e)
        {
            // NerfConfig names its fields as C# does; say them as config.json does.
            var text = e.Message.StartsWith("nerf config: ") ? e.Message["nerf config: ".Length..] : e.Message;
            var words = text.Split(' ', 2);
            throw new UserError($"field.{System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(words[0])}",
                words.Length > 1 ? words[1] : "is out of range");
        }
        foreach (var (key, v) in new[] { ("lr_encoding", LrEncoding), ("lr_network", LrNetwork), ("lr_background", LrBackground) })
            if (!(v > 0 && v < 10)) throw new UserError(key, $"is {v}; must be in (0, 10)");
        foreach (var (key, v) in new[] { ("lambda_orientation", LambdaOrientation), ("lambda_sparsity", LambdaSparsity),
            ("lambda_opacity_entropy", LambdaOpacityEntropy) })
            if (!(v >= 0 && double.IsFinite(v))) throw new UserError(key, $"is {v}; must be a finite number >= 0");
        if (MeshResolution < 16 || MeshResolution > 512)
            throw new UserError("mesh_resolution", $"is {MeshResolution}; must be in [16, 512]");
        if (OccupancyResolution < 8 || OccupancyResolution > 256)
            throw new UserError("occupancy_resolution", $"is {OccupancyResolution}; must be in [8, 256]");
        if (!(OccupancyThreshold >= 0 && double.IsFinite(OccupancyThreshold)))
            throw new UserError("occupancy_threshold", $"is {OccupancyThreshold}; must be a finite number >= 0");
        if (OccupancyUpdateEvery < 1) throw new UserError("occupancy_update_every", $"is {OccupancyUpdateEvery}; must be at least 1");
        if (!double.IsFinite(MeshThreshold)) throw new UserError("mesh_threshold", $"is {MeshThreshold}; must be a finite number");
    }
}
