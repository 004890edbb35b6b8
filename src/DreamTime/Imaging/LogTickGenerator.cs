using System.Globalization;
using ScottPlot;

namespace DreamTime.Imaging;

/// <summary>
/// Ticks for an axis whose data were plotted as log10 of the values (ScottPlot has no log scale of its own):
/// major ticks at powers of ten labelled "10ⁿ", unlabelled minor ticks at 2..9 times them. When fewer than three
/// powers of ten are in view, they alone would leave the axis all but unlabelled, so the major ticks become round
/// values (1, 2, 5 times a power of ten, or finer) labelled as plain numbers.
/// </summary>
public sealed class LogTickGenerator : ITickGenerator
{
    public Tick[] Ticks { get; private set; } = [];

    public int MaxTickCount { get; set; } = 12;

    public void Regenerate(CoordinateRange range, Edge edge, PixelLength size, Paint paint, LabelStyle labelStyle)
    {
        // Labels need more room across a horizontal axis than up a vertical one.
        float spacing = edge is Edge.Bottom or Edge.Top ? 70 : 38;
        int target = Math.Clamp((int)(size.Length / spacing), 2, Math.Max(2, MaxTickCount));
        Ticks = Generate(range.Min, range.Max, target);
    }

    /// <summary>
    /// Ticks for the log10 range [<paramref name="lo"/>, <paramref name="hi"/>] (positions are log10 of the values),
    /// with at most about <paramref name="target"/> labelled ones. A range that is empty, inverted or not finite gives none.
    /// </summary>
    public static Tick[] Generate(double lo, double hi, int target)
    {
        if (!double.IsFinite(lo) || !double.IsFinite(hi)) return [];
        if (lo > hi) (lo, hi) = (hi, lo);
        // Past about 300 decades 10^x is no longer a finite double.
        lo = Math.Max(lo, -300); hi = Math.Min(hi, 300);
        if (!(hi > lo)) return [];
        target = Math.Max(2, target);
        const double eps = 1e-9;
        int first = (int)Math.Ceiling(lo - eps), last = (int)Math.Floor(hi + eps);
        return last - first + 1 >= 3 ? DecadeTicks(lo, hi, first, last, target) : RoundValueTicks(lo, hi, target);
    }

    private static Tick[] DecadeTicks(double lo, double hi, int first, int last, int target)
    {
        int decades = last - first + 1;
        // Decade labels are short, so an axis may carry a few more of them than the target.
        int needed = Math.Max(1, (int)Math.Ceiling((decades - 1) / (1.5 * target)));
        // Every 1, 2, 5, 10, 20, 50, ... decades: round exponents read better than every 7th.
        int every = 1;
        for (int k = 0; every < needed; k++) every = (k % 3) switch { 0 => 2, 1 => 5, _ => 10 } * (int)Math.Pow(10, k / 3);
        var ticks = new List<Tick>();
        for (int e = first; e <= last; e++)
            if (e % every == 0) ticks.Add(Tick.Major(e, PowerOfTen(e)));
        if (every > 1 && decades <= 60)
        {
            // Decades left without a label still get a mark, so the scale reads as logarithmic.
            for (int e = first; e <= last; e++)
                if (e % every != 0) ticks.Add(Tick.Minor(e));
        }
        else if (hi - lo <= 8)
        {
            for (int e = first - 1; e <= last; e++)
                for (int m = 2; m <= 9; m++)
                {
                    double u = e + Math.Log10(m);
                    if (u >= lo && u <= hi) ticks.Add(Tick.Minor(u));
                }
        }
        return [.. ticks];
    }

    private static Tick[] RoundValueTicks(double lo, double hi, int target)
    {
        double vLo = Math.Pow(10, lo), vHi = Math.Pow(10, hi);
        int e0 = (int)Math.Floor(lo) - 1, e1 = (int)Math.Ceiling(hi);
        List<double> Multiples(int[] mantissas)
        {
            var values = new List<double>();
            for (int e = e0; e <= e1; e++)
                foreach (int m in mantissas)
                {
                    double v = m * Math.Pow(10, e);
                    if (v >= vLo * (1 - 1e-12) && v <= vHi * (1 + 1e-12)) values.Add(v);
                }
            return values;
        }
        var all = Multiples([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        // Coarsest first; three labels make a scale readable, two are the least that define one.
        List<double>[] candidates = [Multiples([1, 2, 5]), all];
        var major = candidates.FirstOrDefault(c => c.Count >= 3 && c.Count <= target + 1)
            ?? candidates.FirstOrDefault(c => c.Count >= 2 && c.Count <= target + 1);
        if (major is null) return Labelled(LinearValues(vLo, vHi, target), []);
        // The unlabelled multiples keep the log spacing visible.
        return Labelled(major, all.Where(v => !major.Contains(v)));
    }

    // Evenly spaced round values: what a narrow range (a fraction of a decade) needs. The step is the round one
    // (1, 2 or 5 times a power of ten) whose count of ticks comes nearest the target, with two at the least.
    private static List<double> LinearValues(double vLo, double vHi, int target)
    {
        if (!(vHi > vLo)) return []; // a span below double precision at this magnitude
        int want = Math.Clamp(target, 2, 6), top = (int)Math.Floor(Math.Log10(vHi - vLo)) + 1;
        List<double> best = [];
        for (int k = top; k >= top - 3; k--)
            foreach (int m in new[] { 5, 2, 1 })
            {
                double step = m * Math.Pow(10, k);
                var values = new List<double>();
                for (double i = Math.Ceiling(vLo / step - 1e-9); i * step <= vHi * (1 + 1e-12) && values.Count <= 50; i++)
                    if (i * step > 0) values.Add(i * step);
                if (values.Count >= 2 && (best.Count < 2 || Math.Abs(values.Count - want) < Math.Abs(best.Count - want))) best = values;
            }
        return best;
    }

    private static Tick[] Labelled(List<double> major, IEnumerable<double> minor)
    {
        if (major.Count == 0) return [];
        // The finest decimal place the labels must show: that of the smallest gap between neighbours, or of the smallest value.
        double finest = major.Zip(major.Skip(1), (a, b) => b - a).Append(major.Min()).Min();
        double resolution = Math.Pow(10, Math.Floor(Math.Log10(finest)));
        return
        [
            .. major.Select(v => Tick.Major(Math.Log10(v), Label(v, resolution))),
            .. minor.Select(v => Tick.Minor(Math.Log10(v))),
        ];
    }

    // Enough digits to tell neighbouring ticks apart, and no more.
    private static string Label(double v, double resolution)
    {
        int digits = Math.Clamp((int)Math.Floor(Math.Log10(v)) - (int)Math.Round(Math.Log10(resolution)) + 1, 1, 15);
        if (v >= 1e-4 && v < 1e6)
            return (Math.Round(v / resolution) * resolution).ToString("G15", CultureInfo.InvariantCulture);
        return v.ToString("0." + new string('#', digits - 1) + "e0", CultureInfo.InvariantCulture);
    }

    private const string SuperscriptDigits = "⁰¹²³⁴⁵⁶⁷⁸⁹";

    /// <summary>"10" with the exponent as Unicode superscripts (the embedded DejaVu Sans has those glyphs).</summary>
    public static string PowerOfTen(int exponent)
    {
        var digits = Math.Abs(exponent).ToString(CultureInfo.InvariantCulture).Select(c => SuperscriptDigits[c - '0']);
        return "10" + (exponent < 0 ? "⁻" : "") + string.Concat(digits);
    }
}
