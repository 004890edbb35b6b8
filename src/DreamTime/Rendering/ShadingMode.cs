namespace DreamTime.Rendering;

/// <summary>
/// How a sample's colour is formed: its albedo as is; albedo lit by a <see cref="Lighting"/> (ambient + diffuse
/// * max(0, n.l)); or white albedo lit the same way (shows the geometry alone).
/// </summary>
public enum ShadingMode { Albedo, Diffuse, Textureless }
