using DreamTime.LearnedPrior;
using TorchSharp;

namespace DreamTime.Studies.Benchmarks;

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
                var ids = torch.tensor(
                    new[] { "a red mushroom, front view", "" }.SelectMany(c => trainer.Tokenizer.EncodePadded(c, out _)).ToArray(),
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
            rows.Add(new LearnedPriorBenchmarkRow(channels, unetParams, textParams, BenchmarkTable.Median(render),
                BenchmarkTable.Median(update), BenchmarkTable.Median(inference)));
        }
        return new LearnedPriorBenchmarkResult(settings, rows);
    }
}
