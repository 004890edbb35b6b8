namespace DreamTime.Representations.Dmtet;

/// <summary>Seconds a DMTet's renders spent in each part, added up while set (for `benchmark mesh-step`).</summary>
public sealed class DmtetTimings
{
    /// <summary>Marching tetrahedra: the surface from the SDF.</summary>
    public double Surface { get; set; }
    /// <summary>Visibility, barycentrics, interpolation and normals.</summary>
    public double Rasterize { get; set; }
    /// <summary>The texture field at the points seen, and shading.</summary>
    public double Texture { get; set; }
    /// <summary>Antialiasing of the colour and the mask.</summary>
    public double Antialias { get; set; }
}
