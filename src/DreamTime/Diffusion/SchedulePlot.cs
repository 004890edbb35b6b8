using DreamTime.Imaging;

namespace DreamTime.Diffusion;

/// <summary>
/// One figure that shows a timestep schedule at a glance: the TP-SDS weight W(t) and its factors, the
/// density p(t) the iterations follow, and t(i) itself.
/// </summary>
public static class SchedulePlot
{
    public static PanelFigure Create(TimestepOptions o, NoiseSchedule schedule, IReadOnlyList<int> ts)
    {
        var fig = new PanelFigure(1500, 500, 1, 3)
        {
            Title = $"{o.Strategy} schedule, N = {ts.Count}, t in [{o.TMin}, {o.TMax}]" +
                    (o.Strategy == "tp-sds" ? $", prior {o.TimePrior}, m1={o.M1} m2={o.M2} s1={o.S1} s2={o.S2}" : ""),
        };
        var tp = new TimePrioritizedStrategy(o with { Strategy = "tp-sds", Window = 0 }, schedule, ts.Count);
        var tAxis = Enumerable.Range(o.TMin, o.TMax - o.TMin + 1).Select(t => (double)t).ToArray();

        var w = fig.Panel(0, 0);
        w.Title((o.Strategy == "tp-sds" ? "" : "TP-SDS ") + "weight W(t) (each scaled to max 1)");
        w.XLabel("timestep t");
        w.YLabel("relative weight");
        double wdMax = tAxis.Max(t => schedule.InverseSqrtSnr((int)t));
        double wMax = tp.Weight.Max();
        w.AddLine("W(t) used", tAxis, tp.Weight.Select(x => x / wMax).ToArray()).LineWidth = 3;
        w.AddLine("W_d = sqrt((1-ab)/ab)", tAxis, tAxis.Select(t => schedule.InverseSqrtSnr((int)t) / wdMax).ToArray()).Dashed = true;
        w.AddLine("W_p (m1, m2, s1, s2)", tAxis,
            tAxis.Select(t => TimePrioritizedStrategy.PriorWeight(t, o.M1, o.M2, o.S1, o.S2)).ToArray()).Dashed = true;

        var p = fig.Panel(0, 1);
        p.XLabel("timestep t");
        p.YLabel("p(t)");
        if (o.Strategy == "tp-sds")
        {
            p.Title("p(t) = W(t) / sum W");
            p.AddLine("p(t)", tAxis, tp.Probability);
        }
        else
        {
            // Other strategies have no W(t); show where their iterations actually go.
            p.Title("p(t): share of iterations per timestep (bins of 20)");
            const int bin = 20;
            int span = o.TMax - o.TMin + 1, bins = (span + bin - 1) / bin;
            var counts = new double[bins];
            foreach (var t in ts) counts[Math.Clamp((t - o.TMin) / bin, 0, bins - 1)]++;
            double Width(int b) => Math.Min(bin, span - b * bin);
            p.AddLine("empirical", Enumerable.Range(0, bins).Select(b => o.TMin + b * bin + 0.5 * Width(b)).ToArray(),
                Enumerable.Range(0, bins).Select(b => counts[b] / ts.Count / Width(b)).ToArray());
            p.AddLine("TP-SDS p(t) for comparison", tAxis, tp.Probability).Dashed = true;
        }

        var s = fig.Panel(0, 2);
        s.Title("t(i) per iteration");
        s.XLabel("iteration i");
        s.YLabel("timestep t");
        var iters = Enumerable.Range(1, ts.Count).Select(i => (double)i).ToArray();
        var tsD = ts.Select(t => (double)t).ToArray();
        bool random = o.Strategy is "uniform" or "two-stage" || o.Window > 0;
        if (random) s.AddPoints(o.Strategy, iters, tsD);
        else s.AddLine(o.Strategy, iters, tsD).LineWidth = 3;
        return fig;
    }

    public static void Write(string path, TimestepOptions o, NoiseSchedule schedule, IReadOnlyList<int> ts)
    {
        using var fig = Create(o, schedule, ts);
        fig.SavePng(path);
    }
}
