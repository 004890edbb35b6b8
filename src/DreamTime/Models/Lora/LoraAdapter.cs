using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace DreamTime.Models.Lora;

/// <summary>
/// One low-rank update of a linear layer: y = W x + s (alpha / r) B (A x), with A [r, in] ("down", PEFT's lora_A)
/// and B [out, r] ("up", lora_B). B starts at zero so a fresh adapter leaves the model as it was; A starts normal
/// with std 1/r, as diffusers' LoRA layers do. Kept in float32 whatever the base model's dtype.
/// </summary>
public sealed class LoraAdapter : IDisposable
{
    public Parameter Down { get; }
    public Parameter Up { get; }
    public double Alpha { get; }
    public int Rank => (int)Down.shape[0];
    /// <summary>The user's multiplier on top of alpha / rank.</summary>
    public double Scale { get; set; } = 1;
    /// <summary>An adapter switched off leaves its layer exactly as the base model computes it.</summary>
    public bool Enabled { get; set; } = true;

    public double Multiplier => Scale * Alpha / Rank;

    public LoraAdapter(long inFeatures, long outFeatures, int rank, double alpha, Device device, Generator? generator)
    {
        using var _ = torch.no_grad();
        // drawn on the CPU from the generator, then moved: a CUDA run starts from the same adapters as a CPU run
        using var draw = torch.randn(new long[] { rank, inFeatures }, ScalarType.Float32, generator: generator);
        Down = new Parameter(draw.Times(1.0 / rank).to(device), requires_grad: true);
        Up = new Parameter(torch.zeros(outFeatures, rank, ScalarType.Float32, device), requires_grad: true);
        Alpha = alpha;
    }

    /// <summary>s (alpha / r) B (A x), in the dtype of x.</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = nn.functional.linear(x.to(ScalarType.Float32), Down);
        return nn.functional.linear(h, Up).Times(Multiplier).to(x.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>The update as a weight, s (alpha / r) B A [out, in] (float32): what merging adds to W.</summary>
    public Tensor WeightDelta()
    {
        using var _ = torch.no_grad();
        using var product = Up.matmul(Down);
        return product.Times(Multiplier);
    }

    public void Dispose()
    {
        Down.Dispose();
        Up.Dispose();
    }
}
