using DreamTime.Diffusion;
using DreamTime.Guidance;
using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Tests.Training;

/// <summary>
/// A guidance for tests: a fixed quadratic pull of the renders towards grey, with a hook that can replace the loss
/// (NaN, or a finite loss with a NaN gradient) or act (cancel a run) at a chosen call.
/// </summary>
internal sealed class ScriptedGuidance(Func<int, Tensor, Tensor?>? replaceLoss = null, Action<int>? onCall = null) : IGuidance
{
    public string Name => "scripted";
    public NoiseSchedule Schedule { get; } = NoiseSchedule.StableDiffusion;
    public int Calls { get; private set; }

    public GuidanceOutput Step(GuidanceInput input)
    {
        Calls++;
        onCall?.Invoke(Calls);
        var images = input.Render.Rgb;
        var loss = replaceLoss?.Invoke(Calls, images) ?? images.Minus(0.5).Squared().mean();
        return new GuidanceOutput(new Dictionary<string, Tensor> { ["sds"] = loss },
            new Dictionary<string, double> { ["grad_norm"] = 1.0 });
    }

    public void Dispose() { }
}
