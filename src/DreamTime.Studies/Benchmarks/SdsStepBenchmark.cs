using DreamTime.Configuration;
using DreamTime.Training;

namespace DreamTime.Studies.Benchmarks;

/// <summary>
/// Times whole text-to-3D training steps (render, guidance, regularisers, backward, Adam) of the default
/// configuration with the built-in prior and with the learned prior at the same render size: what choosing the
/// learned prior costs per iteration.
/// </summary>
public static class SdsStepBenchmark
{
    public static SdsStepBenchmarkResult Run(SdsStepBenchmarkSettings settings)
    {
        settings.Validate();
        var rows = new List<SdsStepBenchmarkRow>();
        foreach (int res in settings.Resolutions)
            foreach (var (name, guidance) in settings.Priors())
            {
                var cfg = new TrainConfig
                {
                    Prompt = settings.Prompt,
                    Guidance = guidance,
                    Stages = [new StageSettings { Height = res, Width = res, Iterations = settings.Warmup + settings.Steps }],
                };
                cfg.Validate();
                using var trainer = Trainer.Create(cfg, TorchSharp.torch.CPU);
                var seconds = new List<double>();
                for (int step = 1; step <= settings.Warmup + settings.Steps; step++)
                {
                    var record = trainer.Step(step);
                    if (step > settings.Warmup) seconds.Add(record.Seconds);
                }
                rows.Add(new SdsStepBenchmarkRow(name, res, BenchmarkTable.Median(seconds)));
            }
        return new SdsStepBenchmarkResult(rows);
    }
}
