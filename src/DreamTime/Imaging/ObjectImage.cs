using System.Globalization;
using System.Numerics;
using DreamTime.Runtime;
using SkiaSharp;

namespace DreamTime.Imaging;

/// <summary>
/// A picture of one object prepared as image-to-3D pipelines (Zero-1-to-3 and its users) expect their input: the
/// object cut out, centred on its bounding box, scaled so that box's longer side fills a fixed fraction of a square
/// frame, and composited over a flat background; the cut-out mask comes with it.
/// </summary>
/// <remarks>
/// The cut-out is the alpha channel when the image has a transparent part. Otherwise the object must stand on a
/// plain background: its colour is the median of the border pixels, and the background is every pixel within the
/// tolerance of it that is connected to the border, so parts of the object that happen to share the background's
/// colour stay in when they are enclosed by the object.
/// </remarks>
public sealed class ObjectImage
{
    public const int MinSide = 8;
    public const int MaxSide = 8192;
    /// <summary>Share of the border pixels that must be near the estimated colour for a background to count as plain.</summary>
    public const double PlainBorderShare = 0.9;
    /// <summary>A mask covering more than this share of the image leaves no background, so nothing was cut out.</summary>
    public const double MaxForegroundShare = 0.98;

    /// <summary>Side of the square image and mask.</summary>
    public int Size { get; }
    /// <summary>The object over <see cref="ObjectImageOptions.Background"/>.</summary>
    public RgbImage Image { get; }
    /// <summary>Row-major [Size * Size] coverage in [0, 1].</summary>
    public float[] Mask { get; }
    public MaskSource Source { get; }
    /// <summary>The estimated background colour (RGB in [0, 1]) when
    /// <see cref="Source"/> is <see cref="MaskSource.PlainBackground"/>.</summary>
    public Vector3? RemovedBackground { get; }
    public int SourceWidth { get; }
    public int SourceHeight { get; }

    private ObjectImage(RgbImage image, float[] mask, MaskSource source, Vector3? removed, int sourceWidth, int sourceHeight)
    {
        Size = image.Width;
        Image = image;
        Mask = mask;
        Source = source;
        RemovedBackground = removed;
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
    }

    /// <summary>Reads a PNG or JPEG (anything SkiaSharp decodes) and prepares it;
    /// every problem with the file is a <see cref="UserError"/> naming it.</summary>
    public static ObjectImage Load(string path, ObjectImageOptions? options = null)
    {
        options ??= new ObjectImageOptions();
        return Frame(Cut(path, options), options);
    }

    /// <summary>
    /// The decoding and cut-out half of <see cref="Load"/>, which needs no output size: a caller can refuse a bad
    /// image before it loads what tells it the size.
    /// </summary>
    public static ObjectCutout Cut(string path, ObjectImageOptions? options = null)
    {
        options ??= new ObjectImageOptions();
        options.Validate();
        if (Directory.Exists(path)) throw new UserError($"{path}: is a folder, expected an image file");
        if (!File.Exists(path)) throw new UserError($"{path}: file not found");
        using var codec = SKCodec.Create(path)
            ?? throw new UserError($"{path}: not an image (SkiaSharp cannot decode it; give a PNG or JPEG)");
        // the size comes from the header, so an absurd image is refused before its pixels are allocated
        int w = codec.Info.Width, h = codec.Info.Height;
        CheckSize(path, w, h);
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bmp = new SKBitmap(info);
        var result = codec.GetPixels(info, bmp.GetPixels());
        if (result != SKCodecResult.Success)
            throw new UserError($"{path}: the image could not be decoded ({result})");
        return CutRgba(bmp.Bytes, w, h, codec.Info.AlphaType != SKAlphaType.Opaque, path, options);
    }

    /// <summary>
    /// Cuts the object out of unpremultiplied 8-bit RGBA pixels (row-major, 4 bytes a pixel).
    /// </summary>
    /// <param name="mayHaveAlpha">false when the source format has no alpha channel (the alpha bytes are then ignored)</param>
    /// <param name="name">how errors name the image</param>
    public static ObjectCutout CutRgba(byte[] rgba, int width, int height, bool mayHaveAlpha, string name,
        ObjectImageOptions? options = null)
    {
        options ??= new ObjectImageOptions();
        options.Validate();
        CheckSize(name, width, height);
        if (rgba.Length != 4 * width * height) throw new ArgumentException($"{rgba.Length} bytes for a {width}x{height} RGBA image");

        int n = width * height;
        var rgb = new float[3 * n];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < 3; c++) rgb[3 * i + c] = rgba[4 * i + c] / 255f;

        float[] mask;
        MaskSource source;
        Vector3? removed = null;
        // an alpha channel that is opaque nearly everywhere says nothing about the object (many PNG writers add one)
        if (mayHaveAlpha && HasTransparency(rgba, n))
        {
            mask = new float[n];
            for (int i = 0; i < n; i++) mask[i] = rgba[4 * i + 3] / 255f;
            source = MaskSource.Alpha;
        }
        else
        {
            var background = PlainBackground(rgb, width, height, (float)options.BackgroundTolerance, name);
            mask = RemoveBackground(rgb, width, height, background, (float)options.BackgroundTolerance);
            source = MaskSource.PlainBackground;
            removed = background;
        }

        var box = ForegroundBox(mask, width, height, out int count);
        if (count == 0)
            throw new UserError(source == MaskSource.Alpha
                ? $"{name}: no foreground: every pixel is transparent (alpha below 0.5)"
                : $"{name}: no foreground: every pixel is within {Fmt(options.BackgroundTolerance)} of the background " +
                    $"colour {Rgb(removed!.Value)}");
        double share = (double)count / n;
        if (share > MaxForegroundShare)
            throw new UserError($"{name}: the foreground covers {Fmt(100 * share)}% of the image, " +
                "leaving no background to tell the object from; give an image with the whole object on a transparent or plain background");

        return new ObjectCutout(rgb, mask, width, height, box, source, removed);
    }

    /// <summary>The framing half of <see cref="Load"/>: centre, scale and composite a cut-out at options.Size.</summary>
    public static ObjectImage Frame(ObjectCutout cut, ObjectImageOptions options)
    {
        options.Validate();
        var (image, outMask) = Frame(cut.Rgb, cut.Mask, cut.Width, cut.Height, cut.Box, options);
        return new ObjectImage(image, outMask, cut.Source, cut.RemovedBackground, cut.Width, cut.Height);
    }

    /// <summary>
    /// The cut-out without re-framing: the whole image, centred in the square frame and scaled so its longer side
    /// fills it, composited over the background. For pictures already taken with the input camera (such as
    /// `prior render --member`), whose object must stay where that camera saw it.
    /// </summary>
    public static ObjectImage Fit(ObjectCutout cut, ObjectImageOptions options)
    {
        options.Validate();
        var whole = (0, 0, cut.Width - 1, cut.Height - 1);
        var (image, outMask) = Frame(cut.Rgb, cut.Mask, cut.Width, cut.Height, whole, options with { ForegroundRatio = 1 });
        return new ObjectImage(image, outMask, cut.Source, cut.RemovedBackground, cut.Width, cut.Height);
    }

    /// <summary>The image as a [3, Size, Size] float32 tensor in [0, 1] (channels first), as the pipelines take it.</summary>
    public TorchSharp.torch.Tensor ToTensor()
    {
        using var hwc = TorchSharp.torch.tensor(Image.Pixels, new long[] { Size, Size, 3 });
        return hwc.permute(2, 0, 1).contiguous();
    }

    private static void CheckSize(string name, int width, int height)
    {
        if (width < MinSide || height < MinSide || width > MaxSide || height > MaxSide)
            throw new UserError($"{name}: the image is {width}x{height} pixels; expected {MinSide} to {MaxSide} pixels on each side");
    }

    private static bool HasTransparency(byte[] rgba, int n)
    {
        for (int i = 0; i < n; i++)
            if (rgba[4 * i + 3] < 128) return true;
        return false;
    }

    /// <summary>
    /// The median colour of the one-pixel border, refused unless most border pixels are near it: a busy
    /// background has no colour to remove, and guessing would cut the object apart.
    /// </summary>
    private static Vector3 PlainBackground(float[] rgb, int w, int h, float tolerance, string name)
    {
        var border = BorderIndices(w, h).ToArray();
        var median = new float[3];
        var channel = new float[border.Length];
        for (int c = 0; c < 3; c++)
        {
            for (int k = 0; k < border.Length; k++) channel[k] = rgb[3 * border[k] + c];
            Array.Sort(channel);
            median[c] = channel[channel.Length / 2];
        }
        var bg = new Vector3(median[0], median[1], median[2]);
        int near = border.Count(i => Distance(rgb, i, bg) <= tolerance);
        double share = (double)near / border.Length;
        if (share < PlainBorderShare)
            throw new UserError($"{name}: the image has no transparent background and its border is not a plain colour " +
                $"(only {Fmt(100 * share)}% of border pixels are within {Fmt(tolerance)} of {Rgb(bg)}); " +
                "give an image with an alpha channel or the object on a plain background");
        return bg;
    }

    private static IEnumerable<int> BorderIndices(int w, int h)
    {
        for (int x = 0; x < w; x++) { yield return x; yield return (h - 1) * w + x; }
        for (int y = 1; y < h - 1; y++) { yield return y * w; yield return y * w + w - 1; }
    }

    /// <summary>Largest channel difference: a pixel counts as background only if every channel is close.</summary>
    private static float Distance(float[] rgb, int i, Vector3 c) =>
        MathF.Max(MathF.Abs(rgb[3 * i] - c.X), MathF.Max(MathF.Abs(rgb[3 * i + 1] - c.Y), MathF.Abs(rgb[3 * i + 2] - c.Z)));

    /// <summary>1 for the object, 0 for background-coloured pixels reachable from the border (4-connected flood fill).</summary>
    private static float[] RemoveBackground(float[] rgb, int w, int h, Vector3 bg, float tolerance)
    {
        var mask = new float[w * h];
        Array.Fill(mask, 1f);
        var queue = new Queue<int>();
        void Visit(int i)
        {
            if (mask[i] == 0 || Distance(rgb, i, bg) > tolerance) return;
            mask[i] = 0;
            queue.Enqueue(i);
        }
        foreach (var i in BorderIndices(w, h)) Visit(i);
        while (queue.Count > 0)
        {
            int i = queue.Dequeue(), x = i % w, y = i / w;
            if (x > 0) Visit(i - 1);
            if (x < w - 1) Visit(i + 1);
            if (y > 0) Visit(i - w);
            if (y < h - 1) Visit(i + w);
        }
        return mask;
    }

    /// <summary>Pixel bounds (inclusive) of the pixels at least half covered.</summary>
    private static (int X0, int Y0, int X1, int Y1) ForegroundBox(float[] mask, int w, int h, out int count)
    {
        int x0 = w, y0 = h, x1 = -1, y1 = -1;
        count = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (mask[y * w + x] < 0.5f) continue;
                count++;
                x0 = Math.Min(x0, x); x1 = Math.Max(x1, x);
                y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
            }
        return (x0, y0, x1, y1);
    }

    /// <summary>
    /// Maps the bounding box's centre to the frame's centre and its longer side to ratio x size, resampling the
    /// premultiplied colours and the mask together (so hidden colours under transparent pixels do not bleed into
    /// the edge), then composites over the background.
    /// </summary>
    private static (RgbImage Image, float[] Mask) Frame(float[] rgb, float[] mask, int w, int h, (int X0, int Y0, int X1, int Y1) box,
        ObjectImageOptions o)
    {
        int size = o.Size;
        double side = Math.Max(box.X1 - box.X0 + 1, box.Y1 - box.Y0 + 1);
        double scale = o.ForegroundRatio * size / side;
        // box centre in continuous coordinates, where pixel j covers [j, j + 1]
        double cx = (box.X0 + box.X1 + 1) / 2.0, cy = (box.Y0 + box.Y1 + 1) / 2.0;

        var premul = new float[4 * w * h];
        for (int i = 0; i < w * h; i++)
        {
            float a = mask[i];
            premul[4 * i] = rgb[3 * i] * a;
            premul[4 * i + 1] = rgb[3 * i + 1] * a;
            premul[4 * i + 2] = rgb[3 * i + 2] * a;
            premul[4 * i + 3] = a;
        }

        var columns = Taps(size, w, cx, scale);
        var rows = Taps(size, h, cy, scale);
        // horizontal pass over the source rows any output row reads
        int rowLo = rows.Where(t => t.Weights.Length > 0).Select(t => t.Start).DefaultIfEmpty(0).Min();
        int rowHi = rows.Where(t => t.Weights.Length > 0).Select(t => t.Start + t.Weights.Length).DefaultIfEmpty(0).Max();
        var tmp = new float[4 * size * h];
        for (int y = rowLo; y < rowHi; y++)
            for (int u = 0; u < size; u++)
            {
                var (start, weights) = columns[u];
                float r = 0, g = 0, b = 0, a = 0;
                for (int k = 0; k < weights.Length; k++)
                {
                    int s = 4 * (y * w + start + k);
                    float wt = weights[k];
                    r += wt * premul[s]; g += wt * premul[s + 1]; b += wt * premul[s + 2]; a += wt * premul[s + 3];
                }
                int d = 4 * (y * size + u);
                tmp[d] = r; tmp[d + 1] = g; tmp[d + 2] = b; tmp[d + 3] = a;
            }

        var bg = o.BackgroundColor;
        var pixels = new float[3 * size * size];
        var outMask = new float[size * size];
        for (int v = 0; v < size; v++)
        {
            var (start, weights) = rows[v];
            for (int u = 0; u < size; u++)
            {
                float r = 0, g = 0, b = 0, a = 0;
                for (int k = 0; k < weights.Length; k++)
                {
                    int s = 4 * ((start + k) * size + u);
                    float wt = weights[k];
                    r += wt * tmp[s]; g += wt * tmp[s + 1]; b += wt * tmp[s + 2]; a += wt * tmp[s + 3];
                }
                a = Math.Clamp(a, 0f, 1f);
                int i = v * size + u;
                outMask[i] = a;
                pixels[3 * i] = Math.Clamp(r + (1 - a) * bg.X, 0f, 1f);
                pixels[3 * i + 1] = Math.Clamp(g + (1 - a) * bg.Y, 0f, 1f);
                pixels[3 * i + 2] = Math.Clamp(b + (1 - a) * bg.Z, 0f, 1f);
            }
        }
        return (new RgbImage(size, size, pixels), outMask);
    }

    /// <summary>
    /// For each output pixel along one axis, the first source pixel it reads and the weights of that and the
    /// following ones: a triangle filter centred where the output pixel's centre lands, widened to 1/scale source
    /// pixels when shrinking so every source pixel contributes (no aliasing). The weights are normalised over the
    /// whole filter, including the part outside the image, which is transparent.
    /// </summary>
    private static (int Start, float[] Weights)[] Taps(int size, int sourceLength, double centre, double scale)
    {
        double radius = Math.Max(1.0, 1.0 / scale);
        var taps = new (int, float[])[size];
        for (int u = 0; u < size; u++)
        {
            double p = centre + (u + 0.5 - size / 2.0) / scale;
            int lo = (int)Math.Floor(p - radius - 0.5), hi = (int)Math.Ceiling(p + radius - 0.5);
            double total = 0;
            for (int j = lo; j <= hi; j++) total += Math.Max(0, 1 - Math.Abs(j + 0.5 - p) / radius);
            int first = Math.Max(lo, 0), last = Math.Min(hi, sourceLength - 1);
            var weights = new float[Math.Max(0, last - first + 1)];
            for (int j = first; j <= last; j++) weights[j - first] = (float)(Math.Max(0, 1 - Math.Abs(j + 0.5 - p) / radius) / total);
            taps[u] = (first, weights);
        }
        return taps;
    }

    private static string Fmt(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Rgb(Vector3 c) => $"rgb({ImageIO.ToByte(c.X)},{ImageIO.ToByte(c.Y)},{ImageIO.ToByte(c.Z)})";
}
