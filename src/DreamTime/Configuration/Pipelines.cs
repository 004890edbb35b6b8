using DreamTime.Diffusion;
using DreamTime.Representations;
using DreamTime.Runtime;

namespace DreamTime.Configuration;

/// <summary>
/// The pipeline presets by threestudio's names: each is a list of stages. `generate --pipeline NAME` (config key
/// "pipeline") replaces the stages with the preset's; any key of any stage can then be changed.
/// </summary>
public static class Pipelines
{
    public const string Default = "magic3d";
    public const string ProlificDreamer = "prolificdreamer";

    private static readonly List<(string Name, string Description, Func<List<StageSettings>> Stages)> Presets =
    [
        ("dreamfusion", "one NeRF stage at 64x64, t in [20, 980]; the mesh is the NeRF's marching-cubes surface",
            () => [new StageSettings { Name = "nerf" }]),
        ("magic3d", "a NeRF at 64x64 (t in [20, 980]), then its surface as a DMTet mesh refined at 128x128 with t in [20, 500] " +
                    "(threestudio's refinement range); the asset is the refined mesh",
            () =>
            [
                // named as dreamfusion's stage: magic3d's first stage is that run, bit for bit
                new StageSettings { Name = "nerf" },
                MeshStage("refine", new DmtetSettings()),
            ]),
        (ProlificDreamer, "magic3d's stages (a NeRF at 64x64, then its DMTet mesh refined at 128x128 with t in [20, 500]) distilled " +
                          "by variational score distillation: needs --guidance vsd; --particles N trains N of each, sharing one LoRA",
            () =>
            [
                new StageSettings { Name = "nerf" },
                MeshStage("refine", new DmtetSettings()),
            ]),
        ("fantasia3d", "a DMTet from a sphere shaped by SDS on its normal maps at 64x64 (t in [20, 980]), then its appearance: the " +
                       "geometry fixed, a PBR material (albedo, roughness, metallic) under the scene's light at 128x128",
            () =>
            [
                // Fantasia3D samples t in [20, 500] with Stable Diffusion; the built-in prior settles a member's shape above
                // that (measured on "a red mushroom", 400 steps: lr 0.02 from a sphere broke the surface into noise at either
                // range; lr 0.005 with normal consistency 100 over [20, 980] stays a surface and moves towards the member)
                new StageSettings
                {
                    Name = "geometry",
                    Iterations = 400,
                    GuidanceInput = "normal",
                    Representation = new DmtetSettings
                    {
                        Init = "sphere",
                        LrSdf = 0.005,
                        LrDeformation = 0.005,
                        LambdaNormalConsistency = 100,
                    },
                },
                MeshStage("appearance", new DmtetSettings { FreezeGeometry = true, Material = "pbr" }),
            ]),
        ("refine-mesh", "a mesh of your own (stages.0.representation.mesh_file, a GLB or OBJ) refined as a DMTet at 128x128 with t " +
                        "in [20, 500], as magic3d's second stage (threestudio #79)",
            () =>
            [
                MeshStage("refine", new DmtetSettings { Init = "mesh" }),
            ]),
    ];

    /// <summary>A mesh stage as threestudio refines: 128x128 on the CPU (512 there), t in [20, 500], 300 iterations.</summary>
    private static StageSettings MeshStage(string name, DmtetSettings mesh) => new()
    {
        Name = name,
        Iterations = 300,
        Height = 128,
        Width = 128,
        Timesteps = new TimestepOptions { TMax = 500 },
        Representation = mesh,
    };

    public static IReadOnlyList<string> Names => Presets.Select(p => p.Name).ToList();

    /// <summary>"name = description" per preset, for --help.</summary>
    public static string Describe() => string.Join("; ", Presets.Select(p => $"{p.Name} = {p.Description}"));

    public static List<StageSettings> Stages(string name) =>
        Presets.FirstOrDefault(p => p.Name == name).Stages?.Invoke()
        ?? throw new UserError("pipeline", $"{name}: unknown pipeline; allowed: {string.Join(", ", Names)}");
}
