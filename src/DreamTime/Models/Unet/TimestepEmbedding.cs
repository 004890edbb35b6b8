using DreamTime.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Unet;

/// <summary>The sinusoidal timestep features of diffusers' Timesteps module, then TimestepEmbedding's two linears.</summary>
public sealed class TimestepEmbedding : nn.Module
{
    private readonly Linear linear_1, linear_2;
    private readonly Func<Tensor, Tensor> _act;

    public TimestepEmbedding(long inDim, long outDim, Func<Tensor, Tensor> act) : base(nameof(TimestepEmbedding))
    {
        linear_1 = nn.Linear(inDim, outDim);
        linear_2 = nn.Linear(outDim, outDim);
        _act = act;
        RegisterComponents();
    }

    public Tensor Forward(Tensor features) => linear_2.forward(_act(linear_1.forward(features)));

    /// <summary>
    /// [sin(t f), cos(t f)] with f_i = exp(-ln(10000) i / (half - freqShift)), i = 0..half-1, computed in float32;
    /// cos first when flipSinToCos; zero-padded when dim is odd.
    /// </summary>
    public static Tensor SinusoidalFeatures(Tensor timesteps, int dim, bool flipSinToCos, double freqShift, double maxPeriod = 10000)
    {
        int half = dim / 2;
        var exponent = ScalarArithmetic.Arange(half, ScalarType.Float32, timesteps.device).Times((float)(-Math.Log(maxPeriod)));
        exponent = exponent.DividedBy((float)(half - freqShift));
        var args = timesteps.to(ScalarType.Float32).unsqueeze(1) * torch.exp(exponent).unsqueeze(0);
        var emb = torch.cat(new[] { torch.sin(args), torch.cos(args) }, -1);
        if (flipSinToCos) emb = torch.cat(new[] { emb[.., half..], emb[.., ..half] }, -1);
        if (dim % 2 == 1) emb = nn.functional.pad(emb, new long[] { 0, 1, 0, 0 });
        return emb;
    }
}
