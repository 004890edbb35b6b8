namespace DreamTime.Studies.PriorCheck;

/// <summary>How much a model's denoising uses its caption at one timestep: PSNR of x0_hat against the clean renders, with the true captions
/// and with the empty one.</summary>
public sealed record TextUseRow(int T, double PsnrWithCaption, double PsnrWithoutCaption)
{
    public double Gain => PsnrWithCaption - PsnrWithoutCaption;
}
