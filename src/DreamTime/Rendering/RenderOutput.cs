using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>
/// A batch of renders and the regularisers threestudio computes alongside them.
/// </summary>
/// <param name="Rgb">[B,H,W,3]: composited colour plus (1 - opacity) * background.</param>
/// <param name="Opacity">[B,H,W,1]: sum of the sample weights (0 where a ray misses the bounds).</param>
/// <param name="Depth">[B,H,W,1]: weight-averaged distance along the ray (not normalised by opacity).</param>
/// <param name="Normal">[B,H,W,3]: weight-composited world-space normals (zeros when normals were not computed).</param>
/// <param name="Background">[B,H,W,3]: the background colour of each ray.</param>
/// <param name="OrientationLoss">sum over samples of stopgrad(w) * relu(n.d)^2, divided by the number of rays with opacity &gt; 0 (0 without normals).</param>
/// <param name="SparsityLoss">mean over rays of sqrt(opacity^2 + 0.01) (a smooth mean opacity).</param>
/// <param name="OpacityEntropyLoss">mean binary entropy of the opacity clamped to [1e-3, 1 - 1e-3].</param>
/// <param name="WeightsEntropyLoss">mean over rays that see something of the entropy of their normalised sample weights.</param>
public sealed record RenderOutput(
    Tensor Rgb, Tensor Opacity, Tensor Depth, Tensor Normal, Tensor Background,
    Tensor OrientationLoss, Tensor SparsityLoss, Tensor OpacityEntropyLoss, Tensor WeightsEntropyLoss)
{
    /// <summary>Plain images [B,H,W,3] as a render (opaque, no geometry): for score distillation in image space.</summary>
    public static RenderOutput FromImages(Tensor rgb)
    {
        var b = rgb.shape[0]; var h = rgb.shape[1]; var w = rgb.shape[2];
        var zero = TorchSharp.torch.zeros(1, device: rgb.device);
        return new RenderOutput(rgb, TorchSharp.torch.ones(b, h, w, 1, device: rgb.device), TorchSharp.torch.zeros(b, h, w, 1, device: rgb.device),
            TorchSharp.torch.zeros(b, h, w, 3, device: rgb.device), TorchSharp.torch.zeros(b, h, w, 3, device: rgb.device), zero, zero, zero, zero);
    }
}
