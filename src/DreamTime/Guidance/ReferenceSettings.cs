using System.Globalization;
using DreamTime.Imaging;
using DreamTime.Rendering;
using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Guidance;

/// <summary>
/// The input view of image-to-3D (config section "reference"): the picture, the camera it was taken from, how it
/// is framed, and the weights of the losses that supervise that view directly (threestudio's zero123 system:
/// lambda_rgb 500, lambda_mask 50).
/// </summary>
public sealed record ReferenceSettings
{
    /// <summary>PNG or JPEG of one object, with alpha or on a plain background.</summary>
    public string Image { get; init; } = "";
    public double ElevationDeg { get; init; }
    public double AzimuthDeg { get; init; }
    /// <summary>Camera distance; null = the middle of the training cameras' range.</summary>
    public double? Distance { get; init; }
    /// <summary>Vertical field of view in degrees; null = the middle of the training cameras' range.</summary>
    public double? FovYDeg { get; init; }
    /// <summary>
    /// "center": cut out, centred on its bounding box and scaled to 85% of the frame, as Zero-1-to-3 saw its
    /// training images; "none": the whole picture fitted into the square frame, for pictures taken with the input
    /// camera itself (`prior render --member`), whose object must stay where that camera saw it; "auto": the
    /// guidance's own choice (<see cref="GuidanceSettings.ImageFraming"/>).
    /// </summary>
    public string Framing { get; init; } = "auto";
    public double LambdaRgb { get; init; } = 500;
    public double LambdaMask { get; init; } = 50;

    public static readonly string[] FramingNames = { "auto", "center", "none" };

    public Camera CameraFor(CameraRanges ranges)
    {
        var mid = ranges.MidCamera(ElevationDeg, AzimuthDeg);
        return mid with { Distance = Distance ?? mid.Distance, FovYDeg = FovYDeg ?? mid.FovYDeg };
    }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Image)) throw new UserError("image", "is empty; give the input picture (a PNG or JPEG file)");
        if (!(ElevationDeg >= -90 && ElevationDeg <= 90))
            throw new UserError("elevation_deg", $"is {Fmt(ElevationDeg)}; must be within [-90, 90] degrees");
        if (!double.IsFinite(AzimuthDeg)) throw new UserError("azimuth_deg", $"is {Fmt(AzimuthDeg)}; must be a finite number of degrees");
        if (Distance is double d && !(d > 0 && d < 100)) throw new UserError("distance", $"is {Fmt(d)}; must be in (0, 100)");
        if (FovYDeg is double f && !(f > 0 && f < 180)) throw new UserError("fov_y_deg", $"is {Fmt(f)}; must be in (0, 180)");
        if (!FramingNames.Contains(Framing))
            throw new UserError("framing", $"{Framing}: unknown; allowed: {string.Join(", ", FramingNames)}");
        if (!(LambdaRgb >= 0 && double.IsFinite(LambdaRgb))) throw new UserError("lambda_rgb", $"is {Fmt(LambdaRgb)}; must be 0 or more");
        if (!(LambdaMask >= 0 && double.IsFinite(LambdaMask)))
            throw new UserError("lambda_mask", $"is {Fmt(LambdaMask)}; must be 0 or more");
    }

    /// <summary>Reads and prepares the picture at size x size for the given guidance;
    /// every problem with the file is a <see cref="UserError"/> naming it.</summary>
    public ReferenceView Load(GuidanceSettings guidance, CameraRanges ranges, int size)
    {
        var options = new ObjectImageOptions(Size: size);
        var cut = ObjectImage.Cut(Image, options);
        var framing = Framing == "auto" ? guidance.ImageFraming : Framing;
        var prepared = framing == "center" ? ObjectImage.Frame(cut, options) : ObjectImage.Fit(cut, options);
        var image = tensor(prepared.Image.Pixels, new long[] { size, size, 3 }).DetachFromDisposeScope();
        var mask = tensor(prepared.Mask, new long[] { size, size }).DetachFromDisposeScope();
        return new ReferenceView(image, mask, CameraFor(ranges));
    }

    private static string Fmt(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
