using DreamTime.Rendering;

namespace DreamTime.Studies.PriorCheck;

/// <summary>One image of the check: the family its prompt names, and the member (and view) it is nearest to.</summary>
public sealed record SampleCheckRow(string Family, string Prompt, int Seed, string NearestMember, string NearestFamily, Camera NearestView,
    double Psnr)
{
    public bool Correct => NearestFamily == Family;
}
