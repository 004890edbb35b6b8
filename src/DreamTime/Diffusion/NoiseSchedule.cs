using DreamTime.Runtime;
using TorchSharp;

namespace DreamTime.Diffusion;

/// <summary>
/// DDPM noise table: betas and alphas_cumprod for T training timesteps, computed as diffusers' DDPM/DDIM
/// schedulers do (float32 linspace and cumprod), so values match the reference to float precision.
/// </summary>
public sealed class NoiseSchedule
{
    public static readonly string[] BetaScheduleNames = { "scaled_linear", "linear", "squaredcos_cap_v2" };

    public string BetaSchedule { get; }
    public int TrainTimesteps { get; }
    public double BetaStart { get; }
    public double BetaEnd { get; }
    public float[] Betas { get; }
    public float[] AlphasCumprod { get; }

    public NoiseSchedule(string betaSchedule = "scaled_linear", int trainTimesteps = 1000, double betaStart = 0.00085,
        double betaEnd = 0.012)
    {
        if (trainTimesteps < 2) throw new UserError("train_timesteps", $"is {trainTimesteps}; must be at least 2");
        if (!(betaStart > 0 && betaEnd > betaStart && betaEnd < 1))
            throw new UserError("beta_start", $"is {betaStart} and beta_end {betaEnd}; need 0 < beta_start < beta_end < 1");
        BetaSchedule = betaSchedule;
        TrainTimesteps = trainTimesteps;
        BetaStart = betaStart;
        BetaEnd = betaEnd;
        Betas = betaSchedule switch
        {
            "scaled_linear" =>
                Linspace((float)Math.Sqrt(betaStart), (float)Math.Sqrt(betaEnd), trainTimesteps).Select(b => b * b).ToArray(),
            "linear" => Linspace((float)betaStart, (float)betaEnd, trainTimesteps),
            "squaredcos_cap_v2" => CosineBetas(trainTimesteps),
            _ => throw new UserError("beta_schedule", $"{betaSchedule}: unknown; allowed: {string.Join(", ", BetaScheduleNames)}"),
        };
        AlphasCumprod = new float[trainTimesteps];
        float acc = 1f;
        for (int i = 0; i < trainTimesteps; i++) { acc *= 1f - Betas[i]; AlphasCumprod[i] = acc; }
    }

    /// <summary>The noise table a diffusers scheduler config defines.</summary>
    public static NoiseSchedule From(SchedulerConfig config) =>
        new(config.BetaSchedule, config.TrainTimesteps, config.BetaStart, config.BetaEnd);

    /// <summary>The schedule Stable Diffusion was trained with: scaled_linear 0.00085..0.012, T = 1000.</summary>
    public static NoiseSchedule StableDiffusion => SdSchedule.Value;

    // built on first use: building it calls libtorch, which a command that never trains (serve, --help) need not load
    private static readonly Lazy<NoiseSchedule> SdSchedule = new(() => new());

    public double AlphaBar(int t) => AlphasCumprod[t];

    /// <summary>1/sqrt(SNR) = sqrt((1 - ab_t) / ab_t).</summary>
    public double InverseSqrtSnr(int t) => Math.Sqrt((1 - AlphasCumprod[t]) / AlphasCumprod[t]);

    // torch.linspace in float32: start + i * step for the first half, end - (n-1-i) * step for the second.
    private static float[] Linspace(float start, float end, int n)
    {
        using var t = torch.linspace(start, end, n, dtype: torch.float32);
        return t.data<float>().ToArray();
    }

    // Nichol & Dhariwal's cosine schedule with max beta 0.999, computed in double and stored as float32 (as diffusers does).
    private static float[] CosineBetas(int n)
    {
        static double AlphaBarFn(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);
        var betas = new float[n];
        for (int i = 0; i < n; i++)
        {
            double t1 = (double)i / n, t2 = (double)(i + 1) / n;
            betas[i] = (float)Math.Min(1 - AlphaBarFn(t2) / AlphaBarFn(t1), 0.999);
        }
        return betas;
    }
}
