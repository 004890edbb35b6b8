using DreamTime.LearnedPrior;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Studies.Benchmarks;

/// <summary>What `benchmark learned-prior` measures: one training configuration per UNet width list.</summary>
public sealed record LearnedPriorBenchmarkSettings
{
    public IReadOnlyList<int[]> Channels { get; init; } = new[] { new[] { 32, 64, 64 }, new[] { 32, 64, 128 } };
    public int BatchSize { get; init; } = 32;
    public int ImageSize { get; init; } = 32;
    public int Runs { get; init; } = 5;
    public int Warmup { get; init; } = 1;

    public void Validate()
    {
        BenchmarkTable.RequireRange(BatchSize, 1, 4096, "--batch-size");
        BenchmarkTable.RequireRange(Runs, 1, 1000, "--runs");
        BenchmarkTable.RequireRange(Warmup, 0, 100, "--warmup");
        if (Channels.Count == 0) throw new Runtime.UserError("--channels: give at least one width list, e.g. 32,64,64");
        foreach (var c in Channels) Config(c).Validate();
    }

    public LearnedPriorConfig Config(int[] channels) => new() { Channels = channels, BatchSize = BatchSize, ImageSize = ImageSize, SampleSeeds = 0 };
}

/// <summary>One row: parameter counts and median seconds of each part of a training step and of guided inference.</summary>
public sealed record LearnedPriorBenchmarkRow(int[] Channels, long UnetParameters, long TextParameters, double RenderBatch, double Update, double GuidedInference);

public sealed record LearnedPriorBenchmarkResult(LearnedPriorBenchmarkSettings Settings, IReadOnlyList<LearnedPriorBenchmarkRow> Rows)
{
    public string Table() => BenchmarkTable.Format(
        ["block_out_channels", "UNet params", "text params", $"render batch {Settings.BatchSize}", "update (fwd+bwd+AdamW+EMA)", "training step", "CFG inference, batch 2"],
        Rows.Select(r => (IReadOnlyList<string>)new[]
        {
            "(" + string.Join(", ", r.Channels) + ")", Millions(r.UnetParameters), Millions(r.TextParameters),
            BenchmarkTable.Ms(r.RenderBatch), BenchmarkTable.Ms(r.Update), BenchmarkTable.Ms(r.RenderBatch + r.Update), BenchmarkTable.Ms(r.GuidedInference),
        }).ToList());

    private static string Millions(long n) => (n / 1e6).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + " M";
}

/// <summary>
/// Times the parts of `prior train` and of the learned prior's use in SDS, for each width list: rendering a batch
/// of captioned examples, one optimiser update on it (text encoder and UNet forward and backward, AdamW, EMA),
/// and one classifier-free-guided noise prediction (conditional and unconditional rows in one batch of 2), the
/// UNet call an SDS step makes.
/// </summary>
public static class LearnedPriorBenchmark
{
    public static LearnedPriorBenchmarkResult Run(LearnedPriorBenchmarkSettings settings)
    {
        settings.Validate();
        var rows = new List<LearnedPriorBenchmarkRow>();
        foreach (var channels in settings.Channels)
        {
            using var trainer = new LearnedPriorTrainer(settings.Config(channels));
            long unetParams = trainer.Unet.parameters().Sum(p => p.numel());
            long textParams = trainer.Text.parameters().Sum(p => p.numel());
            var render = new List<double>();
            var update = new List<double>();
            for (int i = 0; i < settings.Warmup + settings.Runs; i++)
            {
                using var scope = torch.NewDisposeScope();
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                var (x0, captions) = trainer.Data.Batch(i * settings.BatchSize, settings.BatchSize);
                long rendered = System.Diagnostics.Stopwatch.GetTimestamp();
                trainer.TrainOn(x0, captions);
                long done = System.Diagnostics.Stopwatch.GetTimestamp();
                if (i < settings.Warmup) continue;
                render.Add(BenchmarkTable.Seconds(start, rendered));
                update.Add(BenchmarkTable.Seconds(rendered, done));
            }
            var inference = new List<double>();
            trainer.Unet.eval(); trainer.Text.eval();
            using (torch.no_grad())
            {
                var ids = torch.tensor(new[] { "a red mushroom, front view", "" }.SelectMany(c => trainer.Tokenizer.EncodePadded(c, out _)).ToArray(),
                                       new long[] { 2, trainer.Tokenizer.MaxLength });
                using var context = trainer.Text.Forward(ids).LastHiddenState;
                using var x = torch.randn(2, 3, settings.ImageSize, settings.ImageSize, generator: Runtime.Seeds.Generator(0, 0, 7));
                for (int i = 0; i < settings.Warmup + settings.Runs; i++)
                {
                    long start = System.Diagnostics.Stopwatch.GetTimestamp();
                    using var eps = trainer.Unet.Forward(x, 500, context);
                    long done = System.Diagnostics.Stopwatch.GetTimestamp();
                    if (i >= settings.Warmup) inference.Add(BenchmarkTable.Seconds(start, done));
                }
            }
            rows.Add(new LearnedPriorBenchmarkRow(channels, unetParams, textParams, BenchmarkTable.Median(render), BenchmarkTable.Median(update), BenchmarkTable.Median(inference)));
        }
        return new LearnedPriorBenchmarkResult(settings, rows);
    }
}
