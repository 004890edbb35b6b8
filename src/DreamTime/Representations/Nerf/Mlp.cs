using DreamTime.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Representations.Nerf;

/// <summary>
/// A plain ReLU MLP (Linear, ReLU, ..., Linear) that can also give the gradient of one output with respect
/// to its input, built from ops so that it stays differentiable (analytic normals need that gradient inside
/// the training graph, and one reverse sweep costs less than three forward-mode ones).
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> layers;

    public Mlp(string name, int input, int width, int hiddenLayers, int output, Generator? init = null) : base(name)
    {
        layers = new ModuleList<Linear>();
        int fanIn = input;
        for (int i = 0; i < hiddenLayers; i++) { layers.Add(MakeLinear(fanIn, width, init)); fanIn = width; }
        layers.Add(MakeLinear(fanIn, output, init));
        RegisterComponents();
    }

    /// <summary>PyTorch's default Linear initialisation (U(+-1/sqrt(fan_in))), drawn from the given generator.</summary>
    private static Linear MakeLinear(int inF, int outF, Generator? init)
    {
        var lin = nn.Linear(inF, outF);
        double bound = 1.0 / Math.Sqrt(inF);
        using var twiceBound = (2 * bound).ToScalar();
        using var boundScalar = bound.ToScalar();
        using (torch.no_grad())
        {
            lin.weight!.copy_(torch.rand(outF, inF, generator: init).mul_(twiceBound).sub_(boundScalar));
            lin.bias!.copy_(torch.rand(outF, generator: init).mul_(twiceBound).sub_(boundScalar));
        }
        return lin;
    }

    /// <summary>Zeroes the output layer, so the network starts as the constant 0 (a correction that begins as none).</summary>
    public void ZeroOutput()
    {
        using var _ = torch.no_grad();
        layers[^1].weight!.zero_();
        layers[^1].bias!.zero_();
    }

    public override Tensor forward(Tensor x) => ForwardKeepingPreActivations(x).Output;

    /// <summary>Output and the hidden layers' pre-activations (needed by <see cref="InputGradient"/>).</summary>
    public (Tensor Output, List<Tensor> PreActivations) ForwardKeepingPreActivations(Tensor x)
    {
        var pre = new List<Tensor>();
        var h = x;
        for (int i = 0; i < layers.Count - 1; i++)
        {
            var z = layers[i].forward(h);
            pre.Add(z);
            h = torch.nn.functional.relu(z);
        }
        return (layers[^1].forward(h), pre);
    }

    /// <summary>d output[:, outputIndex] / d input, [N, input], from the pre-activations of a forward pass.</summary>
    public Tensor InputGradient(List<Tensor> preActivations, int outputIndex)
    {
        // Start from the last layer's row for this output, then walk back: mask by ReLU'(z), multiply by W.
        var g = layers[^1].weight![outputIndex].unsqueeze(0);
        for (int i = layers.Count - 2; i >= 0; i--)
            g = (g * preActivations[i].gt(Scalars.Of(0)).to(g.dtype)).matmul(layers[i].weight!);
        return g;
    }
}
