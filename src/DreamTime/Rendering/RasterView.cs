using System.Numerics;

namespace DreamTime.Rendering;

/// <summary>
/// A camera as a world-to-camera transform and a focal length in pixels of a sample grid, in single precision: the
/// projection every z-buffer here uses (<see cref="MeshRasterizer"/>, <see cref="DifferentiableRasterizer"/>), so
/// their images line up with each other and with <see cref="Camera.Rays"/> pixel for pixel.
/// </summary>
internal readonly struct RasterView
{
    public readonly int Height, Width;
    public readonly float Focal;
    public readonly Vector3 Position, Right, Up, Back;

    public RasterView(Camera camera, int height, int width)
    {
        Height = height; Width = width;
        Focal = (float)camera.FocalPixels(height);
        var m = camera.CameraToWorld();
        Right = new Vector3((float)m[0, 0], (float)m[1, 0], (float)m[2, 0]);
        Up = new Vector3((float)m[0, 1], (float)m[1, 1], (float)m[2, 1]);
        Back = new Vector3((float)m[0, 2], (float)m[1, 2], (float)m[2, 2]);
        Position = new Vector3((float)m[0, 3], (float)m[1, 3], (float)m[2, 3]);
    }

    /// <summary>Camera-space point: x right, y up, z = depth in front of the camera (the camera looks down -Back).</summary>
    public Vector3 ToCamera(Vector3 world)
    {
        var d = world - Position;
        return new Vector3(Vector3.Dot(d, Right), Vector3.Dot(d, Up), -Vector3.Dot(d, Back));
    }

    /// <summary>Continuous sample-grid coordinates (column, row); sample (i, j) has its centre at (j + 0.5, i + 0.5).</summary>
    public Vector2 Project(Vector3 cam) => new(0.5f * Width + Focal * cam.X / cam.Z, 0.5f * Height - Focal * cam.Y / cam.Z);
}
