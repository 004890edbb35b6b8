using System.Globalization;
using DreamTime.Guidance;
using DreamTime.Models.Diffusers;
using DreamTime.Runtime;
using DreamTime.Scenes;

namespace DreamTime.Studies.Hints;

/// <summary>
/// `prior hints`: <see cref="DenoiserHints.Measure"/> with the built-in prior (posterior mean over the prompt's
/// family members) and a learned prior, as a heading line and CSV.
/// </summary>
public static class HintsReport
{
    /// <param name="modelFolder">the learned prior; null: the shipped one</param>
    /// <param name="temperaturePixels">the built-in prior's temperature as an effective pixel count; null: exact</param>
    public static string Run(string prompt, string? modelFolder, int cameras, int blur, double guidance, double? temperaturePixels,
        int seed)
    {
        var selection = PriorLibrary.Default.Select(prompt);
        if (selection.Family is null)
            throw new UserError($"prompt \"{selection.Prompt}\": names no family; hints need one family's members");
        new LearnedPriorSettings { GuidanceScale = guidance }.Validate();
        using var pipe = StableDiffusionPipeline.Load(modelFolder ?? ShippedModel.Folder, TorchSharp.torch.CPU);
        if (!pipe.IsPixelSpace) throw new UserError("model", $"{modelFolder} has a vae/; hints need a pixel-space learned prior");
        int size = pipe.DefaultResolution;
        double sharpness = temperaturePixels is double k ? k / (size * size) : 1.0;
        var rows = DenoiserHints.Measure([DenoiserHints.Exact(sharpness), DenoiserHints.Learned(pipe, selection.Prompt, guidance)],
            selection.Members, pipe.Schedule, size, cameras, blur, seed);
        var output = new StringWriter();
        var temperature = temperaturePixels is double kk ? kk.ToString(CultureInfo.InvariantCulture) : "exact";
        output.WriteLine(
            FormattableString.Invariant($"{selection.Describe()}, {size}px, blur {blur}, {cameras} cameras; ") +
            FormattableString.Invariant($"built-in prior temperature pixels {temperature}; learned prior guidance {guidance}"));
        output.WriteLine("t,alpha_bar,input_psnr,builtin_x0_psnr,learned_x0_psnr");
        foreach (var r in rows)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.T},{r.AlphaBar:F5},{r.InputPsnr:F2},{r.HintPsnr[0]:F2},{r.HintPsnr[1]:F2}"));
        return output.ToString();
    }
}
