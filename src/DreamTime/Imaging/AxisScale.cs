using System.Globalization;

namespace DreamTime.Imaging;

/// <summary>A labelled tick position on an axis (the value is in data units). In a label, "^" starts a superscript (10^3).</summary>
public readonly record struct AxisTick(double Value, string Label);

/// <summary>
/// Maps data values on one axis to a [0,1] fraction of its length, and chooses round tick values.
/// A log axis works in log10 units internally; Lo and Hi are then exponents.
/// </summary>
public sealed class AxisScale
{
    public bool Log { get; }
    /// <summary>Lower end of the axis (log10 of it on a log axis).</summary>
    public double Lo { get; }
    /// <summary>Upper end of the axis (log10 of it on a log axis).</summary>
    public double Hi { get; }

    private AxisScale(double lo, double hi, bool log) { Lo = lo; Hi = hi; Log = log; }

    /// <summary>Whether a value can be placed on this axis at all (finite, and positive on a log axis).</summary>
    public bool Accepts(double v) => double.IsFinite(v) && (!Log || v > 0);

    /// <summary>0 at the low end, 1 at the high end; values outside the range map outside [0,1].</summary>
    public double Fraction(double v) => ((Log ? Math.Log10(v) : v) - Lo) / (Hi - Lo);

    /// <summary>
    /// Fits an axis to the values it must show: skips values it cannot place, pads the range by
    /// <paramref name="padding"/> of its span on each side that is not fixed by <paramref name="min"/>/<paramref name="max"/>,
    /// and opens up a degenerate (constant or empty) range so that lines still have somewhere to be drawn.
    /// </summary>
    public static AxisScale Fit(IEnumerable<double> values, bool log, double? min = null, double? max = null, double padding = 0.05)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var v in values)
        {
            if (!double.IsFinite(v) || (log && v <= 0)) continue;
            var u = log ? Math.Log10(v) : v;
            if (u < lo) lo = u;
            if (u > hi) hi = u;
        }
        double? fixedLo = ToAxisUnits(min, log, nameof(min)), fixedHi = ToAxisUnits(max, log, nameof(max));
        if (fixedLo.HasValue) lo = fixedLo.Value;
        if (fixedHi.HasValue) hi = fixedHi.Value;

        if (double.IsPositiveInfinity(lo) && double.IsNegativeInfinity(hi)) { lo = 0; hi = 1; }
        else if (double.IsPositiveInfinity(lo)) lo = hi - 1;
        else if (double.IsNegativeInfinity(hi)) hi = lo + 1;
        if (lo > hi) (lo, hi) = (hi, lo);

        if (hi - lo <= Math.Max(Math.Abs(lo), Math.Abs(hi)) * 1e-12)
        {
            // A constant series: show it in the middle of a small band around its value.
            double half = log ? 0.5 : (lo == 0 ? 1 : Math.Abs(lo) * 0.1);
            if (!fixedLo.HasValue) lo -= half;
            if (!fixedHi.HasValue) hi += half;
            if (hi <= lo) { lo = fixedLo ?? hi - 2 * half; hi = fixedHi ?? lo + 2 * half; }
        }
        else
        {
            double pad = (hi - lo) * padding;
            if (!fixedLo.HasValue) lo -= pad;
            if (!fixedHi.HasValue) hi += pad;
        }
        return new AxisScale(lo, hi, log);
    }

    private static double? ToAxisUnits(double? v, bool log, string name)
    {
        if (!v.HasValue) return null;
        if (!double.IsFinite(v.Value) || (log && v.Value <= 0))
            throw new ArgumentOutOfRangeException(name, v, log ? "a log axis limit must be finite and positive" : "an axis limit must be finite");
        return log ? Math.Log10(v.Value) : v.Value;
    }

    /// <summary>Major ticks: round numbers (1, 2, 2.5 or 5 times a power of ten), about <paramref name="target"/> intervals.</summary>
    public IReadOnlyList<AxisTick> MajorTicks(int target) => Log ? LogTicks(target) : LinearTicks(Lo, Hi, target);

    /// <summary>Unlabelled ticks between the decades of a log axis (2..9 times a power of ten); none on a linear axis.</summary>
    public IReadOnlyList<double> MinorTicks()
    {
        var result = new List<double>();
        if (!Log || Hi - Lo > 6) return result;
        for (int e = (int)Math.Floor(Lo); e <= (int)Math.Ceiling(Hi); e++)
            for (int m = 2; m <= 9; m++)
            {
                double v = m * Math.Pow(10, e), u = Math.Log10(v);
                if (u >= Lo && u <= Hi) result.Add(v);
            }
        return result;
    }

    internal static IReadOnlyList<AxisTick> LinearTicks(double lo, double hi, int target)
    {
        double step = NiceStep((hi - lo) / Math.Max(1, target));
        long first = (long)Math.Ceiling(lo / step - 1e-9), last = (long)Math.Floor(hi / step + 1e-9);
        var values = new List<double>();
        for (long i = first; i <= last; i++) values.Add(i * step);
        return Label(values, step);
    }

    /// <summary>The step among 1, 2, 2.5, 5, 10 times a power of ten nearest to <paramref name="raw"/> (by ratio).</summary>
    internal static double NiceStep(double raw)
    {
        if (!(raw > 0) || !double.IsFinite(raw)) return 1;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double best = magnitude, bestRatio = double.MaxValue;
        foreach (var m in new[] { 1, 2, 2.5, 5, 10 })
        {
            double ratio = Math.Abs(Math.Log(m * magnitude / raw));
            if (ratio < bestRatio - 1e-12) { best = m * magnitude; bestRatio = ratio; }
        }
        return best;
    }

    private static IReadOnlyList<AxisTick> Label(List<double> values, double step)
    {
        double largest = values.Count == 0 ? 0 : values.Max(Math.Abs);
        bool scientific = largest >= 1e6 || (largest > 0 && largest < 1e-3);
        // Enough decimals to write the step exactly (0.25 needs two, 250 none), and no more.
        int decimals = 0;
        while (decimals < 12 && Math.Abs(Math.Round(step, decimals) - step) > step * 1e-6) decimals++;
        var ticks = new List<AxisTick>(values.Count);
        foreach (var raw in values)
        {
            double v = Math.Abs(raw) < step * 1e-6 ? 0 : raw;
            string label = v == 0 ? "0"
                : scientific ? v.ToString("0.###e0", CultureInfo.InvariantCulture)
                : v.ToString("F" + decimals, CultureInfo.InvariantCulture);
            ticks.Add(new AxisTick(v, label.Replace('-', '\u2212')));
        }
        return ticks;
    }

    private IReadOnlyList<AxisTick> LogTicks(int target)
    {
        int firstDecade = (int)Math.Ceiling(Lo - 1e-9), lastDecade = (int)Math.Floor(Hi + 1e-9);
        int decades = lastDecade - firstDecade + 1;
        if (decades < 2)
        {
            // Less than a decade visible: decade ticks alone would leave the axis unlabelled.
            var linear = LinearTicks(Math.Pow(10, Lo), Math.Pow(10, Hi), target);
            return linear.Where(t => t.Value > 0).ToList();
        }
        // Decade labels are short, so a log axis may carry a few more of them than the target.
        int every = Math.Max(1, (int)Math.Ceiling((decades - 1) / (1.5 * Math.Max(1, target))));
        var ticks = new List<AxisTick>();
        for (int e = firstDecade; e <= lastDecade; e++)
            if (e % every == 0) ticks.Add(new AxisTick(Math.Pow(10, e), "10^" + e.ToString(CultureInfo.InvariantCulture).Replace('-', '\u2212')));
        return ticks;
    }
}
