using DreamTime.Configuration;
using DreamTime.Runtime;
using DreamTime.Training;

namespace DreamTime.Studies.Benchmarks;

/// <summary>
/// Times whole text-to-3D training steps (render, guidance, regularisers, backward, Adam) of the default
/// configuration with the built-in prior, the learned prior, the learned prior with a LoRA merged into it, and VSD
/// on the learned prior (its LoRA's training included) at the same render size: what each choice costs per iteration.
/// </summary>
public static class SdsStepBenchmark
{
    public static SdsStepBenchmarkResult Run(SdsStepBenchmarkSettings settings)
    {
        settings.Validate();
        var rows = new List<SdsStepBenchmarkRow>();
        var dir = Directory.CreateTempSubdirectory("dreamtime-bench-lora-");
        try
        {
            var lora = Path.Combine(dir.FullName, "lora.safetensors");
            WriteLora(settings.LearnedModel ?? Guidance.ShippedModel.Folder, lora);
            foreach (int res in settings.Resolutions)
                foreach (var (name, guidance) in settings.Priors(lora))
                    rows.Add(new SdsStepBenchmarkRow(name, res, MedianStep(settings, guidance, res)));
        }
        finally
        {
            dir.Delete(true);
        }
        return new SdsStepBenchmarkResult(rows);
    }

    /// <summary>A rank-4 LoRA of the model's UNet attention with small random updates, as a user's file would be.</summary>
    private static void WriteLora(string model, string path)
    {
        using var pipe = Models.Diffusers.StableDiffusionPipeline.Load(model);
        using var net = Models.Lora.LoraNetwork.Attach(pipe.Unet, "unet", new Models.Lora.LoraSettings(),
            new TorchSharp.torch.Generator(0));
        using (TorchSharp.torch.no_grad())
            foreach (var a in net.Adapters.Values)
                a.Up.copy_(TorchSharp.torch.randn(a.Up.shape, generator: new TorchSharp.torch.Generator(1)).Times(0.01));
        Models.Lora.LoraFile.Write(path, net.ToLayers(), Models.Lora.LoraLayout.Diffusers);
    }

    private static double MedianStep(SdsStepBenchmarkSettings settings, Guidance.GuidanceSettings guidance, int res)
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
        return BenchmarkTable.Median(seconds);
    }
}
