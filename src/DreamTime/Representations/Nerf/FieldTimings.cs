namespace DreamTime.Representations.Nerf;

/// <summary>Where a field query spent its time, in seconds.</summary>
public sealed class FieldTimings
{
    public double Encode, Mlp;
}
