using Xunit;

namespace DreamTime.Tests.Studies.Benchmarks;

/// <summary>
/// The nerf-step benchmark reads a process-wide counter of the hash-grid kernel's backward time, which another
/// test training a NeRF at the same moment would add to; this collection runs alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BenchmarkCollection
{
    public const string Name = "benchmarks";
}
