using DreamTime.Imaging;
using DreamTime.Rendering;
using DreamTime.Runtime;

namespace DreamTime.Scenes;

/// <summary>
/// `prior render`: the members a prompt selects, rendered by the analytic renderer into PNG files: a grid of
/// members (rows) by evenly spaced views (columns), or one member from one camera as an image-to-3D input picture.
/// Settings are checked, and the file's folder is checked writable, before the prompt is read or anything is rendered.
/// </summary>
public static class MemberRenders
{
    /// <summary>
    /// Renders the first <paramref name="members"/> members of the prompt's selection from <paramref name="views"/>
    /// views at one elevation into one PNG grid; returns the selection and the members rendered.
    /// </summary>
    public static (PromptSelection Selection, IReadOnlyList<FamilyMember> Members) WriteGrid(
        PriorLibrary lib, string prompt, string file, int views, int members, int size, double elevation, int supersample)
    {
        if (views < 1 || views > 64) throw new UserError("views", $"is {views}; must be between 1 and 64");
        if (members < 1 || members > 256) throw new UserError("members", $"is {members}; must be between 1 and 256");
        CheckSize(size);
        CheckSupersample(supersample);
        AtomicFile.EnsureWritableFile(file, "output picture");
        var selection = lib.Select(prompt);
        var chosen = selection.Members.Take(members).ToList();
        var cams = new CameraRanges().Ring(views, elevation);
        var renderer = new SdfRenderer { Supersample = supersample };
        var perView = cams.Select(c => renderer.Render(chosen.Select(m => m.Scene).ToList(), c, size, size)).ToList();
        var tiles = new List<RgbImage>();
        for (int mi = 0; mi < chosen.Count; mi++)
            foreach (var view in perView) tiles.Add(new RgbImage(size, size, view[mi].Rgb));
        ImageIO.SavePng(file, ImageIO.Grid(tiles, views));
        return (selection, chosen);
    }

    /// <summary>
    /// Writes the prompt's <paramref name="member"/>-th member (1 = first) as an RGBA picture (the object's coverage
    /// is its alpha), seen from the middle of the training cameras' distance and field of view; returns the member.
    /// </summary>
    public static FamilyMember WritePicture(PriorLibrary lib, string prompt, string file, int member, int size,
                                            double elevation, double azimuth, int supersample)
    {
        CheckSize(size);
        CheckSupersample(supersample);
        AtomicFile.EnsureWritableFile(file, "output picture");
        var selection = lib.Select(prompt);
        if (member < 1 || member > selection.Members.Count)
            throw new UserError("member", $"is {member}; {selection.Describe()} has members 1 to {selection.Members.Count}");
        if (!(elevation >= -90 && elevation <= 90)) throw new UserError("elevation", $"is {elevation}; must be within [-90, 90] degrees");
        var m = selection.Members[member - 1];
        var picture = new SdfRenderer { Supersample = supersample }
            .Render(m.Scene, new CameraRanges().MidCamera(elevation, azimuth), size, size);
        ImageIO.SavePngWithAlpha(file, new RgbImage(size, size, picture.Rgb), picture.Mask);
        return m;
    }

    /// <summary>A render side in pixels, 8 to 1024 (else a UserError naming --size).</summary>
    public static int CheckSize(int px) =>
        px is >= 8 and <= 1024 ? px : throw new UserError("size", $"is {px}; must be between 8 and 1024");

    /// <summary>Rays per pixel side, 1 to 8 (else a UserError naming --supersample).</summary>
    public static int CheckSupersample(int ss) =>
        ss is >= 1 and <= 8 ? ss : throw new UserError("supersample", $"is {ss}; must be between 1 and 8");
}
