using DreamTime.Imaging;

namespace DreamTime.Studies.PriorCheck;

/// <param name="Size">the images' side in pixels</param>
public sealed record SampleCheckResult(IReadOnlyList<SampleCheckRow> Rows, RgbImage Grid, int Size)
{
    /// <summary>The fraction of images whose nearest member belongs to the prompt's family.</summary>
    public double Rate => Rows.Count == 0 ? 0 : Rows.Count(r => r.Correct) / (double)Rows.Count;
}
