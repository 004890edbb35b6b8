namespace DreamTime.Imaging;

/// <summary>
/// Up to 256 RGB colours and a nearest-colour lookup. The lookup is cached per 6-bit-per-channel cell,
/// so mapping millions of pixels costs a table read each, not a search over the palette.
/// </summary>
internal sealed class GifPalette
{
    public const int Size = 256;
    private const int CellBits = 6;
    private readonly byte[] rgb; // Size * 3, unused entries black
    private readonly int count;
    private readonly int[] nearestByCell = new int[1 << (3 * CellBits)];

    private GifPalette(byte[] rgb, int count)
    {
        this.rgb = rgb; this.count = count;
        Array.Fill(nearestByCell, -1);
        DitherAmplitude = TypicalSpacing();
    }

    public ReadOnlySpan<byte> Rgb => rgb;
    public int Count => count;
    /// <summary>Spread of the ordered-dither offsets, in 0..255 units: about the distance between neighbouring colours.</summary>
    public float DitherAmplitude { get; }

    public static GifPalette ColorCube()
    {
        var rgb = new byte[Size * 3];
        int n = 0;
        for (int r = 0; r < 6; r++)
            for (int g = 0; g < 7; g++)
                for (int b = 0; b < 6; b++, n++)
                {
                    rgb[3 * n] = (byte)Math.Round(r * 255 / 5.0);
                    rgb[3 * n + 1] = (byte)Math.Round(g * 255 / 6.0);
                    rgb[3 * n + 2] = (byte)Math.Round(b * 255 / 5.0);
                }
        return new GifPalette(rgb, n);
    }

    /// <summary>
    /// Median cut over a 5-bit-per-channel histogram of the given 8-bit RGB pixels. The box whose colours are
    /// spread the most (largest summed squared error) is split next, at the count-weighted median of its widest
    /// channel; each final box contributes the exact mean of the pixels in it, so flat colours come out exact.
    /// </summary>
    public static GifPalette MedianCut(IEnumerable<byte[]> framesRgb)
    {
        const int bins = 1 << 15;
        var counts = new long[bins];
        var sums = new long[bins * 3];
        foreach (var frame in framesRgb)
            for (int i = 0; i + 2 < frame.Length; i += 3)
            {
                int bin = (frame[i] >> 3) << 10 | (frame[i + 1] >> 3) << 5 | frame[i + 2] >> 3;
                counts[bin]++;
                sums[3 * bin] += frame[i]; sums[3 * bin + 1] += frame[i + 1]; sums[3 * bin + 2] += frame[i + 2];
            }

        var occupied = new List<ColorBin>();
        for (int bin = 0; bin < bins; bin++)
            if (counts[bin] > 0)
                occupied.Add(new ColorBin(counts[bin], sums[3 * bin], sums[3 * bin + 1], sums[3 * bin + 2]));

        var boxes = new List<ColorBox> { new(occupied) };
        while (boxes.Count < Size)
        {
            int worst = -1;
            for (int i = 0; i < boxes.Count; i++)
                if (boxes[i].Bins.Count > 1 && (worst < 0 || boxes[i].SquaredError > boxes[worst].SquaredError)) worst = i;
            if (worst < 0) break; // every box is a single colour cell already
            var (a, b) = boxes[worst].Split();
            boxes[worst] = a;
            boxes.Add(b);
        }

        var rgb = new byte[Size * 3];
        for (int i = 0; i < boxes.Count; i++)
        {
            var box = boxes[i];
            rgb[3 * i] = (byte)Math.Round(box.SumR / (double)box.Count);
            rgb[3 * i + 1] = (byte)Math.Round(box.SumG / (double)box.Count);
            rgb[3 * i + 2] = (byte)Math.Round(box.SumB / (double)box.Count);
        }
        return new GifPalette(rgb, Math.Max(1, boxes.Count));
    }

    /// <summary>The palette index nearest to an 8-bit colour (looked up for the centre of its 6-bit cell).</summary>
    public int Nearest(int r, int g, int b)
    {
        int cell = (r >> 2) << 12 | (g >> 2) << 6 | b >> 2;
        int index = nearestByCell[cell];
        if (index >= 0) return index;
        index = Search((r & ~3) + 1.5f, (g & ~3) + 1.5f, (b & ~3) + 1.5f);
        nearestByCell[cell] = index;
        return index;
    }

    private int Search(float r, float g, float b)
    {
        int best = 0;
        float bestDistance = float.MaxValue;
        for (int i = 0; i < count; i++)
        {
            float dr = rgb[3 * i] - r, dg = rgb[3 * i + 1] - g, db = rgb[3 * i + 2] - b;
            float d = dr * dr + dg * dg + db * db;
            if (d < bestDistance) { bestDistance = d; best = i; }
        }
        return best;
    }

    private float TypicalSpacing()
    {
        if (count < 2) return 0;
        var nearest = new float[count];
        for (int i = 0; i < count; i++)
        {
            float best = float.MaxValue;
            for (int j = 0; j < count; j++)
            {
                if (i == j) continue;
                float dr = rgb[3 * i] - rgb[3 * j], dg = rgb[3 * i + 1] - rgb[3 * j + 1], db = rgb[3 * i + 2] - rgb[3 * j + 2];
                best = Math.Min(best, dr * dr + dg * dg + db * db);
            }
            nearest[i] = MathF.Sqrt(best);
        }
        Array.Sort(nearest);
        return Math.Clamp(nearest[count / 2], 4f, 48f);
    }

    private readonly record struct ColorBin(long Count, long SumR, long SumG, long SumB)
    {
        public double Channel(int c) => (c == 0 ? SumR : c == 1 ? SumG : SumB) / (double)Count;
    }

    private sealed class ColorBox
    {
        public ColorBox(List<ColorBin> bins)
        {
            Bins = bins;
            foreach (var bin in bins) { Count += bin.Count; SumR += bin.SumR; SumG += bin.SumG; SumB += bin.SumB; }
            for (int c = 0; c < 3; c++) variance[c] = Variance(c);
            SquaredError = (variance[0] + variance[1] + variance[2]) * Count;
        }

        private readonly double[] variance = new double[3];
        public List<ColorBin> Bins { get; }
        public long Count { get; }
        public long SumR { get; }
        public long SumG { get; }
        public long SumB { get; }
        public double SquaredError { get; }

        private double Variance(int c)
        {
            double mean = (c == 0 ? SumR : c == 1 ? SumG : SumB) / (double)Count, v = 0;
            foreach (var bin in Bins) { double d = bin.Channel(c) - mean; v += bin.Count * d * d; }
            return v / Count;
        }

        public (ColorBox, ColorBox) Split()
        {
            int channel = variance[0] >= variance[1] && variance[0] >= variance[2] ? 0 : variance[1] >= variance[2] ? 1 : 2;
            var sorted = Bins.OrderBy(b => b.Channel(channel)).ToList();
            long half = Count / 2, running = 0;
            int cut = 1;
            for (int i = 0; i < sorted.Count - 1; i++)
            {
                running += sorted[i].Count;
                cut = i + 1;
                if (running >= half) break;
            }
            return (new ColorBox(sorted.GetRange(0, cut)), new ColorBox(sorted.GetRange(cut, sorted.Count - cut)));
        }
    }
}
