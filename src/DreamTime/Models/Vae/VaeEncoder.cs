using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Vae;

public sealed class VaeEncoder : nn.Module
{
    private readonly Conv2d conv_in;
    private readonly ModuleList<VaeDownBlock> down_blocks;
    private readonly VaeMidBlock mid_block;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;
    private readonly Func<Tensor, Tensor> _act;

    public VaeEncoder(AutoencoderKLConfig c, Func<Tensor, Tensor> act) : base(nameof(VaeEncoder))
    {
        var ch = c.BlockOutChannels;
        conv_in = nn.Conv2d(c.InChannels, ch[0], 3, padding: 1);
        down_blocks = nn.ModuleList(Enumerable.Range(0, ch.Length)
            .Select(i =>
                new VaeDownBlock(i == 0 ? ch[0] : ch[i - 1], ch[i], c.LayersPerBlock, c.NormNumGroups, i < ch.Length - 1, act)).ToArray());
        mid_block = new VaeMidBlock(ch[^1], c.NormNumGroups, c.MidBlockAddAttention, act);
        conv_norm_out = nn.GroupNorm(c.NormNumGroups, ch[^1], 1e-6);
        conv_out = nn.Conv2d(ch[^1], 2 * c.LatentChannels, 3, padding: 1);
        _act = act;
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        x = conv_in.forward(x);
        foreach (var b in down_blocks) x = b.Forward(x);
        x = mid_block.Forward(x);
        return conv_out.forward(_act(conv_norm_out.forward(x)));
    }
}
