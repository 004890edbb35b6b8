namespace DreamTime.Rendering;

/// <summary>
/// What <see cref="AntialiasAnalysis"/> found, one entry per pair of neighbouring pixels that a silhouette edge
/// crosses (in columns, so each becomes one index or value tensor). Pixel indices are flat over [B,H,W], vertex
/// indices flat over [B,V] (camera b's copy of vertex v is b*V + v).
/// </summary>
internal sealed class AntialiasEdges(int capacity)
{
    /// <summary>The pair: the left or upper pixel, its right or lower neighbour, and the one of them whose colour changes.</summary>
    public readonly List<long> Pixel0 = new(capacity), Pixel1 = new(capacity), Target = new(capacity);
    /// <summary>The silhouette edge's endpoints.</summary>
    public readonly List<long> VertexA = new(capacity), VertexB = new(capacity);
    /// <summary>True for a vertical pair (the edge crosses a column between two rows).</summary>
    public readonly List<bool> Vertical = new(capacity);
    /// <summary>+1 when the front triangle is pixel 0's, -1 when it is pixel 1's.</summary>
    public readonly List<double> Direction = new(capacity);
    /// <summary>The front pixel's centre relative to the principal point (column - W/2, row - H/2), and the focal length.</summary>
    public readonly List<double> CentreX = new(capacity), CentreY = new(capacity), Focal = new(capacity);

    public int Count => Pixel0.Count;

    public void AddRange(AntialiasEdges other)
    {
        Pixel0.AddRange(other.Pixel0); Pixel1.AddRange(other.Pixel1); Target.AddRange(other.Target);
        VertexA.AddRange(other.VertexA); VertexB.AddRange(other.VertexB); Vertical.AddRange(other.Vertical);
        Direction.AddRange(other.Direction); CentreX.AddRange(other.CentreX); CentreY.AddRange(other.CentreY);
        Focal.AddRange(other.Focal);
    }
}
