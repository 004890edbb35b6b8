using System.Globalization;
using DreamTime.Diffusion;
using DreamTime.Imaging;
using DreamTime.Runtime;
using TorchSharp;

namespace DreamTime.Models.Zero123;

/// <summary>
/// `sample-views`: one novel view of the object in a picture end to end: checks the request, cuts the object out
/// of the picture (before the checkpoint loads, which is the slow part), loads the checkpoint, samples the view and
/// writes it as PNG (beside, then renamed).
/// </summary>
public static class NovelViewJob
{
    /// <returns>the side of the square view written, in pixels</returns>
    public static int Run(string modelFolder, string imagePath, Zero123Pipeline.ViewRequest request, double foregroundRatio, string device,
                          bool fp16Variant, string png, Action<string>? log = null, Action<int, int, int>? progress = null)
    {
        AtomicFile.EnsureWritableFile(png, "output picture");
        request.Validate();
        if (!(foregroundRatio > 0 && foregroundRatio <= 1))
            throw new UserError("foreground_ratio", $"is {foregroundRatio.ToString(CultureInfo.InvariantCulture)}; must be in (0, 1]");
        var options = new ObjectImageOptions(ForegroundRatio: foregroundRatio);
        var cutout = ObjectImage.Cut(imagePath, options);
        var dev = TorchRuntime.ResolveDevice(device);
        log?.Invoke($"loading {modelFolder} on {dev}...");
        using var pipe = Zero123Pipeline.Load(modelFolder, dev, fp16Variant);
        var input = ObjectImage.Frame(cutout, options with { Size = pipe.DefaultResolution });
        using var scope = torch.NewDisposeScope();
        using var cond = pipe.EncodeCondition(input.ToTensor());
        TorchSharp.torch.Tensor view;
        try { view = pipe.SampleView(cond, request, progress); }
        catch (NonFiniteOutputException e) { throw new UserError($"sample-views: {e.Message}"); }
        ImageIO.SavePng(png, RgbImage.FromTensor(view[0]));
        return pipe.DefaultResolution;
    }
}
