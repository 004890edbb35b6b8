namespace DreamTime.Scenes;

/// <summary>An analytic render: RGB in [0,1] (row-major HWC) and the coverage mask (1 = object) per pixel.</summary>
public sealed record SceneImage(int Height, int Width, float[] Rgb, float[] Mask);
