using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Vae;

public sealed class VaeDecoder : nn.Module
{
    private readonly Conv2d conv_in;
    private readonly VaeMidBlock mid_block;
    private readonly ModuleList<VaeUpBlock> up_blocks;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;
    private readonly Func<Tensor, Tensor> _act;

    public VaeDecoder(AutoencoderKLConfig c, Func<Tensor, Tensor> act) : base(nameof(VaeDecoder))
    {
        var rev = c.BlockOutChannels.Reverse().ToArray();
        conv_in = nn.Conv2d(c.LatentChannels, rev[0], 3, padding: 1);
        mid_block = new VaeMidBlock(rev[0], c.NormNumGroups, c.MidBlockAddAttention, act);
        up_blocks = nn.ModuleList(Enumerable.Range(0, rev.Length)
            .Select(i =>
                new VaeUpBlock(i == 0 ? rev[0] : rev[i - 1], rev[i], c.LayersPerBlock + 1, c.NormNumGroups, i < rev.Length - 1,
                    act)).ToArray());
        conv_norm_out = nn.GroupNorm(c.NormNumGroups, rev[^1], 1e-6);
        conv_out = nn.Conv2d(rev[^1], c.OutChannels, 3, padding: 1);
        _act = act;
        RegisterComponents();
    }

    public Tensor Forward(Tensor z)
    {
        var x = conv_in.forward(z);
        x = mid_block.Forward(x);
        foreach (var b in up_blocks) x = b.Forward(x);
        return conv_out.forward(_act(conv_norm_out.forward(x)));
    }
}
