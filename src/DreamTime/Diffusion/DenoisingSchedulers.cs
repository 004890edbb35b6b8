using static TorchSharp.torch;

namespace DreamTime.Diffusion;

public static class DenoisingSchedulers
{
    /// <summary>The sampler <paramref name="config"/> names; <paramref name="noise"/> draws DDPM's step noise (on the CPU).</summary>
    public static IDenoisingScheduler Create(SchedulerConfig config, Generator noise) =>
        config.Sampler == SchedulerConfig.DdpmSampler ? new DdpmScheduler(config, noise) : new DdimScheduler(config);
}
