using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Representations.Nerf;

/// <summary>
/// The colour behind the scene, per ray: a small MLP of the view direction ("mlp", threestudio's neural
/// environment map), one learned colour ("learned"), or a constant ("fixed"). Output in [0,1].
/// </summary>
public sealed class Background : nn.Module<Tensor, Tensor>
{
    private readonly Mlp? net;
    private readonly Parameter? color;
    private readonly double[] _fixed;
    public string Kind { get; }

    public Background(NerfConfig cfg, Generator init) : base("background")
    {
        Kind = cfg.BackgroundKind;
        var (r, g, b) = cfg.BackgroundRgb;
        _fixed = [r, g, b];
        if (Kind == "mlp") net = new Mlp("net", 3, cfg.BackgroundWidth, 1, 3, init);
        // Stored as a logit so the colour stays in (0,1); clamped away from 0/1 to keep the logit finite.
        if (Kind == "learned")
            color = new Parameter(torch.tensor(_fixed.Select(v => Math.Clamp(v, 1e-3, 1 - 1e-3)).Select(v =>
                (float)Math.Log(v / (1 - v))).ToArray()));
        RegisterComponents();
    }

    /// <summary>Background colours [R,3] for unit view directions [R,3].</summary>
    public override Tensor forward(Tensor directions) => Kind switch
    {
        "mlp" => torch.sigmoid(net!.forward(directions)),
        "learned" => torch.sigmoid(color!).to(directions.dtype).unsqueeze(0).expand(directions.shape[0], 3),
        _ => torch.tensor(_fixed, dtype: directions.dtype, device: directions.device).unsqueeze(0).expand(directions.shape[0], 3),
    };
}
