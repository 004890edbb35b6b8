using DreamTime.Runtime;

namespace DreamTime.Imaging;

/// <summary>Writes an animated GIF (GIF89a) with one palette shared by all frames, so colours do not flicker.</summary>
public static class GifWriter
{
    private const int MinCodeSize = 8; // 256-colour palette

    public static void Write(string path, IReadOnlyList<RgbImage> frames, GifOptions? options = null)
    {
        var bytes = Encode(frames, options);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <param name="timings">when given, each stage's time is added to it (for benchmarks)</param>
    public static byte[] Encode(IReadOnlyList<RgbImage> frames, GifOptions? options = null, GifTimings? timings = null)
    {
        options ??= new GifOptions();
        var delays = Validate(frames, options);
        int width = frames[0].Width, height = frames[0].Height;
        long clock = System.Diagnostics.Stopwatch.GetTimestamp();

        var rgbFrames = new byte[frames.Count][];
        Parallel.For(0, frames.Count, i => rgbFrames[i] = ToBytes(frames[i]));
        if (timings != null) timings.Convert += Lap(ref clock);
        var palette = options.Palette == GifPaletteKind.ColorCube ? GifPalette.ColorCube() : GifPalette.MedianCut(rgbFrames);
        if (timings != null) timings.Palette += Lap(ref clock);

        var indexed = new byte[frames.Count][];
        for (int i = 0; i < frames.Count; i++) indexed[i] = ToIndices(rgbFrames[i], width, palette, options.Dither);
        if (timings != null) timings.Index += Lap(ref clock);
        var compressed = new byte[frames.Count][];
        Parallel.For(0, frames.Count, () => new GifLzw(),
            (i, _, lzw) =>
            {
                compressed[i] = lzw.Encode(indexed[i], MinCodeSize);
                return lzw;
            },
            _ => { });
        if (timings != null) timings.Compress += Lap(ref clock);

        using var gif = new MemoryStream();
        WriteHeader(gif, width, height, palette);
        if (options.LoopCount is int loops) WriteLoopExtension(gif, loops);
        for (int i = 0; i < frames.Count; i++) WriteFrame(gif, width, height, delays[i], compressed[i]);
        gif.WriteByte(0x3B); // trailer
        var bytes = gif.ToArray();
        if (timings != null) timings.Write += Lap(ref clock);
        return bytes;
    }

    private static double Lap(ref long clock)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        double seconds = (now - clock) / (double)System.Diagnostics.Stopwatch.Frequency;
        clock = now;
        return seconds;
    }

    /// <summary>Checks the frames and options; returns each frame's delay in hundredths of a second.</summary>
    private static int[] Validate(IReadOnlyList<RgbImage> frames, GifOptions options)
    {
        if (frames is null || frames.Count == 0) throw new UserError("GIF: no frames to write");
        int width = frames[0].Width, height = frames[0].Height;
        if (width < 1 || height < 1 || width > 65535 || height > 65535)
            throw new UserError($"GIF: frame size {width}x{height} is outside 1..65535 pixels per side");
        for (int i = 0; i < frames.Count; i++)
        {
            var f = frames[i];
            if (f.Width != width || f.Height != height)
                throw new UserError($"GIF: frame {i} is {f.Width}x{f.Height} but frame 0 is {width}x{height}; " +
                    "all frames must have one size");
            if (f.Pixels.Length != f.Width * f.Height * 3)
                throw new UserError($"GIF: frame {i} has {f.Pixels.Length} values, expected {f.Width}x{f.Height}x3");
        }
        if (options.LoopCount is < 0 or > 65535)
            throw new UserError($"GIF: loop count {options.LoopCount} is outside 0..65535 (0 = forever)");
        if (options.FrameDelaysMs is { } perFrame && perFrame.Count != frames.Count)
            throw new UserError($"GIF: {perFrame.Count} frame delays given for {frames.Count} frames");
        var delays = new int[frames.Count];
        for (int i = 0; i < frames.Count; i++)
        {
            int ms = options.FrameDelaysMs?[i] ?? options.FrameDelayMs;
            // Viewers replace delays under 20 ms by 100 ms, so such a value would not mean what it says.
            if (ms < 20 || ms > 655350)
                throw new UserError($"GIF: frame delay {ms} ms is outside 20..655350 ms");
            delays[i] = (int)Math.Round(ms / 10.0);
        }
        return delays;
    }

    private static byte[] ToBytes(RgbImage image)
    {
        var bytes = new byte[image.Pixels.Length];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = ImageIO.ToByte(image.Pixels[i]);
        return bytes;
    }

    // Bayer 8x8 threshold matrix (0..63), in row-major order.
    private static readonly byte[] Bayer8 = BuildBayer8();

    private static byte[] BuildBayer8()
    {
        var m = new byte[64];
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
            {
                int v = 0, xc = x ^ y, yc = y;
                for (int bit = 0; bit < 3; bit++) // bit-reversed interleave of (x xor y, y)
                    v = (v << 2) | ((xc >> bit & 1) << 1) | (yc >> bit & 1);
                m[y * 8 + x] = (byte)v;
            }
        return m;
    }

    private static byte[] ToIndices(byte[] rgb, int width, GifPalette palette, bool dither)
    {
        int n = rgb.Length / 3;
        var indices = new byte[n];
        if (!dither)
        {
            for (int i = 0; i < n; i++) indices[i] = (byte)palette.Nearest(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
            return indices;
        }
        float amplitude = palette.DitherAmplitude;
        for (int i = 0; i < n; i++)
        {
            int x = i % width, y = i / width;
            int offset = (int)MathF.Round(((Bayer8[(y & 7) * 8 + (x & 7)] + 0.5f) / 64f - 0.5f) * amplitude);
            indices[i] = (byte)palette.Nearest(
                Math.Clamp(rgb[3 * i] + offset, 0, 255), Math.Clamp(rgb[3 * i + 1] + offset, 0, 255),
                Math.Clamp(rgb[3 * i + 2] + offset, 0, 255));
        }
        return indices;
    }

    private static void WriteHeader(Stream s, int width, int height, GifPalette palette)
    {
        s.Write("GIF89a"u8);
        WriteUInt16(s, width);
        WriteUInt16(s, height);
        s.WriteByte(0xF7); // global colour table present, 8 bits per primary, 2^(7+1) = 256 entries
        s.WriteByte(0);    // background colour index
        s.WriteByte(0);    // square pixels
        s.Write(palette.Rgb);
    }

    private static void WriteLoopExtension(Stream s, int loops)
    {
        s.Write([0x21, 0xFF, 11]);
        s.Write("NETSCAPE2.0"u8);
        s.Write([3, 1]);
        WriteUInt16(s, loops);
        s.WriteByte(0);
    }

    private static void WriteFrame(Stream s, int width, int height, int delayCs, byte[] lzw)
    {
        // Graphic control extension: "do not dispose" (each frame covers the whole picture), no transparency.
        s.Write([0x21, 0xF9, 4, 1 << 2]);
        WriteUInt16(s, delayCs);
        s.Write([0, 0]);
        // Image descriptor: the full picture, no local colour table, not interlaced.
        s.WriteByte(0x2C);
        WriteUInt16(s, 0); WriteUInt16(s, 0); WriteUInt16(s, width); WriteUInt16(s, height);
        s.WriteByte(0);
        s.WriteByte(MinCodeSize);
        for (int offset = 0; offset < lzw.Length; offset += 255)
        {
            int length = Math.Min(255, lzw.Length - offset);
            s.WriteByte((byte)length);
            s.Write(lzw, offset, length);
        }
        s.WriteByte(0); // end of the image data
    }

    private static void WriteUInt16(Stream s, int v)
    {
        s.WriteByte((byte)v);
        s.WriteByte((byte)(v >> 8));
    }
}
