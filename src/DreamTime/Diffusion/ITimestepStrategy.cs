namespace DreamTime.Diffusion;

/// <summary>Picks the diffusion timestep of each training iteration (one t for the whole batch).</summary>
public interface ITimestepStrategy
{
    string Name { get; }
    /// <summary>The timestep of iteration i, for i = 1..N.</summary>
    int TimestepAt(int iteration);
}
