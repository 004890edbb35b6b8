namespace DreamTime.Studies.Hints;

/// <summary>One timestep: how close the degraded input is to the clean member, and each denoiser's x0_hat.</summary>
/// <param name="HintPsnr">PSNR (dB) of x0_hat against the clean member, one per denoiser in the order given</param>
public sealed record HintRow(int T, double AlphaBar, double InputPsnr, IReadOnlyList<double> HintPsnr);
