using DreamTime.Batch;
using DreamTime.Configuration;
using DreamTime.Training;

namespace DreamTime.Tests.Server;

/// <summary>Small runs for the web app's tests: seconds each on two cores.</summary>
public static class ServeRuns
{
    /// <summary>What every run started from the page is given (`serve --set`): a one-stage run at 16x16.</summary>
    public static readonly IReadOnlyList<string> PageSettings =
    [
        "stages.0.height=16", "stages.0.width=16", "stages.0.representation.mesh_resolution=24",
        "stages.0.representation.field.hash_levels=4", "stages.0.representation.field.log2_table_size=12", "eval_resolution=16",
        "turntable_frames=2", "turntable_resolution=16", "preview_every=2", "checkpoint_every=1",
    ];

    /// <summary>A finished Magic3D run (its asset a textured mesh), trained into <paramref name="folder"/>.</summary>
    public static void Finished(string folder, string prompt = "a red mushroom", int iterations = 20)
    {
        var config = new BatchJob(0, prompt, null, "magic3d", null, null, iterations,
        [
            "stages.0.height=32", "stages.0.width=32", "stages.1.height=64", "stages.1.width=64", "eval_resolution=32",
            "turntable_frames=4", "turntable_resolution=32", "preview_every=10",
        ]).ToConfig("test");
        using var run = GenerationRun.Start(config, folder, overwrite: false, SilentRunObserver.Instance);
        run.Run(CancellationToken.None);
    }

    public static TrainConfig Config(string prompt, int iterations, params string[] set) =>
        new BatchJob(0, prompt, null, "dreamfusion", null, null, iterations, set).ToConfig("test");
}
