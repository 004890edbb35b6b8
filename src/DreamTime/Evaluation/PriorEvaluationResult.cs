namespace DreamTime.Evaluation;

/// <summary>How close a result is to the prompt's members, measured over fixed evaluation views.</summary>
/// <param name="NearestIndex">Index of the nearest member in the evaluated member list (highest PSNR).</param>
/// <param name="NearestName">Its readable name, e.g. "mushroom #7 (red cap, spots, tall)".</param>
/// <param name="Psnr">PSNR (dB) of the renders against that member over all views; +inf for an exact match.</param>
/// <param name="MaskIoU">IoU of (opacity &gt; 0.5) against (member mask &gt; 0.5) over all views, for that member.</param>
/// <param name="PsnrPerMember">PSNR against every member, in member order.</param>
public sealed record PriorEvaluationResult(int NearestIndex, string NearestName, double Psnr, double MaskIoU,
    IReadOnlyList<double> PsnrPerMember);
