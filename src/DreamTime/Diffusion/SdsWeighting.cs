namespace DreamTime.Diffusion;

/// <summary>SDS weighting w(t) as a function of alphas_cumprod at t.</summary>
public enum SdsWeighting
{
    /// <summary>1 - ab_t (DreamFusion, threestudio default).</summary>
    OneMinusAlphaBar,
    /// <summary>1 (SJC).</summary>
    One,
    /// <summary>sqrt(ab_t) (1 - ab_t) (Latent-NeRF).</summary>
    SqrtAlphaBarTimesOneMinusAlphaBar,
    /// <summary>sqrt((1 - ab_t) / ab_t).</summary>
    SqrtOneMinusOverAlphaBar,
}
