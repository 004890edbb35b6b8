using DreamTime.Imaging;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Finetuning;

/// <summary>
/// The subject's pictures as the model sees its training images: composited over white (as the learned prior's
/// renders are), resized to the model's square resolution (a picture of another size is resized, and the log says
/// so), in [-1, 1] as [N, 3, R, R]. Every problem with a file is a UserError naming it.
/// </summary>
public static class SubjectPictures
{
    public static (Tensor Images, IReadOnlyList<RgbImage> Originals) Load(IReadOnlyList<string> paths, int resolution, Action<string> log)
    {
        var originals = paths.Select(ImageIO.LoadImage).ToList();
        using var scope = torch.NewDisposeScope();
        var tensors = new List<Tensor>();
        for (int i = 0; i < paths.Count; i++)
        {
            var img = originals[i];
            var chw = torch.tensor(img.Pixels, new long[] { img.Height, img.Width, 3 }).permute(2, 0, 1).unsqueeze(0);
            if (img.Height != resolution || img.Width != resolution)
            {
                log($"{paths[i]}: {img.Width}x{img.Height}, resized to the model's {resolution}x{resolution}" +
                    (img.Width != img.Height ? " (not square: its aspect ratio changes)" : ""));
                var mode = img.Width > resolution ? InterpolationMode.Area : InterpolationMode.Bilinear;
                chw = nn.functional.interpolate(chw, size: new long[] { resolution, resolution }, mode: mode,
                    align_corners: mode == InterpolationMode.Bilinear ? false : null);
            }
            tensors.Add(chw.Times(2).Minus(1));
        }
        return (torch.cat(tensors.ToArray(), 0).MoveToOuterDisposeScope(), originals);
    }
}
