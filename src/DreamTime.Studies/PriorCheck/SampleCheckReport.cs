using DreamTime.Imaging;
using DreamTime.Models.Diffusers;
using DreamTime.Runtime;
using DreamTime.Scenes;

namespace DreamTime.Studies.PriorCheck;

/// <summary>
/// `prior check`: <see cref="SampleCheck.Run"/> as a table per family and its rate, optionally the same matching
/// on real renders (the check's ceiling) and the model's use of its captions (<see cref="SampleCheck.TextUse"/>),
/// written to a text writer as each part finishes; the sample grid is written as a PNG.
/// </summary>
public static class SampleCheckReport
{
    /// <param name="modelFolder">the learned prior to check</param>
    /// <param name="ceilingRenders">real front-view renders per family to match as the ceiling (0: skip)</param>
    /// <param name="textUseRenders">fresh captioned renders for the text-use measurement (0: skip)</param>
    /// <param name="gridPath">the PNG grid to write; null: none</param>
    public static void Run(TextWriter output, string modelFolder, int seeds, int steps, double guidance, string? sampler, int firstSeed,
                           int ceilingRenders, int textUseRenders, string? gridPath, Action<string>? log = null)
    {
        if (ceilingRenders < 0 || ceilingRenders > 1000)
            throw new UserError("ceiling_renders", $"is {ceilingRenders}; must be between 0 and 1000");
        if (textUseRenders < 0 || textUseRenders > 4096)
            throw new UserError("text_use_renders", $"is {textUseRenders}; must be between 0 and 4096");
        if (gridPath != null) AtomicFile.EnsureWritableFile(gridPath, "grid picture");
        var result = SampleCheck.Run(modelFolder, seeds, steps, guidance, log: log, sampler: sampler, firstSeed: firstSeed);
        output.WriteLine("| family | prompt | nearest member in the family | nearest members' families |");
        output.WriteLine("|---|---|---|---|");
        foreach (var g in result.Rows.GroupBy(r => r.Family))
            output.WriteLine(
                $"| {g.Key} | {g.First().Prompt} | {g.Count(r => r.Correct)}/{g.Count()} | " +
                $"{string.Join(", ", g.Select(r => r.NearestFamily))} |");
        output.WriteLine(
            FormattableString.Invariant(
            $"nearest member in the prompt's family: {result.Rows.Count(r => r.Correct)}/{result.Rows.Count} = ") +
            FormattableString.Invariant($"{100 * result.Rate:F1}% (chance {100.0 / PriorLibrary.Default.Families.Count:F1}%)"));
        if (ceilingRenders > 0)
        {
            var real = SampleCheck.RunOnRenders(ceilingRenders, result.Size, log: log);
            output.WriteLine("the same matching on real front-view training renders (the check's ceiling): " +
                             FormattableString.Invariant($"{real.Rows.Count(r => r.Correct)}/{real.Rows.Count} = {100 * real.Rate:F1}%"));
        }
        if (textUseRenders > 0)
        {
            using var pipe = StableDiffusionPipeline.Load(modelFolder);
            output.WriteLine();
            output.WriteLine("| t | x0 PSNR with the captions (dB) | with the empty caption (dB) | gain (dB) |   " +
                             $"({textUseRenders} fresh training renders)");
            output.WriteLine("|---|---|---|---|");
            foreach (var r in SampleCheck.TextUse(pipe, textUseRenders))
                output.WriteLine(
                    FormattableString.Invariant($"| {r.T} | {r.PsnrWithCaption:F2} | {r.PsnrWithoutCaption:F2} | {r.Gain:+0.00;-0.00} |"));
        }
        if (gridPath != null)
        {
            ImageIO.SavePng(gridPath, result.Grid); // written beside, then renamed (AtomicFile)
            output.WriteLine($"grid: {gridPath}");
        }
    }
}
