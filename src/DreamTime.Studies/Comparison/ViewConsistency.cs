using DreamTime.Evaluation;
using DreamTime.Imaging;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Scenes;

namespace DreamTime.Studies.Comparison;

/// <summary>
/// View consistency of a result (the multi-face problem): its evaluation views against a member seen from the
/// same and from the opposite side. Member renders are cached per member; in the normal modality they are normal
/// images, as the result's views then are.
/// </summary>
public sealed class ViewConsistency(CameraRanges cameras, int size, ImageModality modality = ImageModality.Shaded)
{
    private readonly Dictionary<string, float[][]> _memberViews = new();

    /// <summary>
    /// <see cref="OppositeSideGain(IReadOnlyList{float[]}, IReadOnlyList{float[]})"/> of a strip of evaluation views
    /// (side by side, as a study keeps them) against the named built-in member.
    /// </summary>
    public double OppositeSideGain(RgbImage strip, string memberName, string source)
    {
        var views = CameraSampler.EvaluationViews(cameras);
        if (strip.Height != size || strip.Width != size * views.Count)
            throw new UserError($"{source}: {strip.Width}x{strip.Height}, expected {views.Count} views of {size}x{size} side by side");
        if (!_memberViews.TryGetValue(memberName, out var member))
        {
            var m = PriorLibrary.Default.Members.FirstOrDefault(x => x.Name == memberName)
                    ?? throw new UserError($"{source}: its run names member \"{memberName}\", which the built-in library does not have");
            var renders = new PriorEvaluation([m], views, size, size, modality: modality).MemberImages;
            _memberViews[memberName] = member = renders.Select(r => r[0].Rgb).ToArray();
        }
        var tiles = Enumerable.Range(0, views.Count).Select(v =>
        {
            var tile = new float[size * size * 3];
            for (int y = 0; y < size; y++) Array.Copy(strip.Pixels, (y * strip.Width + v * size) * 3, tile, y * size * 3, size * 3);
            return tile;
        }).ToList();
        return OppositeSideGain(tiles, member);
    }

    /// <summary>
    /// For each view of a ring (an even number of views, evenly spaced in azimuth), the PSNR of the result's view
    /// against the member seen from the opposite side minus that against the member seen from the same view, in
    /// dB, averaged over the views. Below 0: each side of the result looks like the member's own side. About 0:
    /// the member looks alike from both sides (a rotationally symmetric object), or the result resembles neither.
    /// Above 0: the result shows the member's other side where it should show this one (a front seen from the
    /// back: the multi-face, or Janus, problem).
    /// </summary>
    public static double OppositeSideGain(IReadOnlyList<float[]> views, IReadOnlyList<float[]> member)
    {
        if (views.Count != member.Count || views.Count % 2 != 0 || views.Count == 0)
            throw new ArgumentException($"{views.Count} result views and {member.Count} member views: need the same even number");
        int n = views.Count;
        return Enumerable.Range(0, n).Average(v =>
            ImageMetrics.Psnr(views[v], member[(v + n / 2) % n]) - ImageMetrics.Psnr(views[v], member[v]));
    }
}
