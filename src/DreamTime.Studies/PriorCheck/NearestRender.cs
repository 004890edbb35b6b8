namespace DreamTime.Studies.PriorCheck;

/// <summary>The member render nearest to an image: which member, from which view, and the PSNR between them.</summary>
public sealed record NearestRender(int Member, int View, double Psnr);
