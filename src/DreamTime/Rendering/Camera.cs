using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>
/// A pinhole camera looking at the origin from spherical coordinates, in a z-up world (threestudio's
/// convention): elevation is the angle above the xy-plane, azimuth turns about +z from +x. The camera looks
/// down its own -z axis (OpenGL). The built-in prior and the NeRF renderer both build rays here, so their
/// images of one camera line up pixel for pixel.
/// </summary>
public sealed record Camera(double ElevationDeg, double AzimuthDeg, double Distance, double FovYDeg)
{
    /// <summary>Camera position in world space.</summary>
    public (double X, double Y, double Z) Position
    {
        get
        {
            double el = ElevationDeg * Math.PI / 180, az = AzimuthDeg * Math.PI / 180;
            return (Distance * Math.Cos(el) * Math.Cos(az), Distance * Math.Cos(el) * Math.Sin(az), Distance * Math.Sin(el));
        }
    }

    /// <summary>Camera-to-world rotation columns (right, up, back) and the position.</summary>
    public double[,] CameraToWorld()
    {
        var (px, py, pz) = Position;
        // forward points from the camera to the origin
        double fx = -px, fy = -py, fz = -pz;
        Normalize(ref fx, ref fy, ref fz);
        double ux = 0, uy = 0, uz = 1;
        // right = forward x up; at the poles fall back to +y as up so the frame stays defined
        double rx = fy * uz - fz * uy, ry = fz * ux - fx * uz, rz = fx * uy - fy * ux;
        if (rx * rx + ry * ry + rz * rz < 1e-12)
        {
            ux = 0; uy = 1; uz = 0;
            rx = fy * uz - fz * uy; ry = fz * ux - fx * uz; rz = fx * uy - fy * ux;
        }
        Normalize(ref rx, ref ry, ref rz);
        // true up = right x forward
        double tx = ry * fz - rz * fy, ty = rz * fx - rx * fz, tz = rx * fy - ry * fx;
        return new double[,]
        {
            { rx, tx, -fx, px },
            { ry, ty, -fy, py },
            { rz, tz, -fz, pz },
        };
    }

    /// <summary>
    /// Focal length in pixels of an image <paramref name="height"/> pixels high; the mesh rasteriser projects with
    /// it too, so its images line up with these rays.
    /// </summary>
    public double FocalPixels(int height) => 0.5 * height / Math.Tan(0.5 * FovYDeg * Math.PI / 180);

    /// <summary>
    /// Rays through pixel centres, row-major from the top-left pixel: origins and unit directions, each
    /// [height*width*3] floats.
    /// </summary>
    public (float[] Origins, float[] Directions) Rays(int height, int width)
    {
        var m = CameraToWorld();
        double focal = FocalPixels(height);
        var o = new float[height * width * 3];
        var d = new float[height * width * 3];
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
            {
                double cx = (j + 0.5 - 0.5 * width) / focal;
                double cy = -(i + 0.5 - 0.5 * height) / focal;
                double cz = -1;
                double wx = m[0, 0] * cx + m[0, 1] * cy + m[0, 2] * cz;
                double wy = m[1, 0] * cx + m[1, 1] * cy + m[1, 2] * cz;
                double wz = m[2, 0] * cx + m[2, 1] * cy + m[2, 2] * cz;
                Normalize(ref wx, ref wy, ref wz);
                int k = (i * width + j) * 3;
                o[k] = (float)m[0, 3]; o[k + 1] = (float)m[1, 3]; o[k + 2] = (float)m[2, 3];
                d[k] = (float)wx; d[k + 1] = (float)wy; d[k + 2] = (float)wz;
            }
        return (o, d);
    }

    /// <summary>Rays as tensors [height*width, 3] on the given device.</summary>
    public (Tensor Origins, Tensor Directions) RayTensors(int height, int width, Device? device = null)
    {
        var (o, d) = Rays(height, width);
        return (torch.tensor(o, new long[] { height * width, 3 }, device: device),
                torch.tensor(d, new long[] { height * width, 3 }, device: device));
    }

    /// <summary>
    /// The view-dependent prompt suffix DreamFusion uses for this camera, with threestudio's thresholds (all strict):
    /// "overhead" above the overhead elevation, else "front" within the front range of azimuth 0, "back" within the
    /// back range of azimuth 180, "side" otherwise.
    /// </summary>
    public string ViewName(double overheadElevationDeg = 60, double frontRangeDeg = 45, double backRangeDeg = 45)
    {
        if (ElevationDeg > overheadElevationDeg) return "overhead";
        double az = ((AzimuthDeg % 360) + 540) % 360 - 180; // [-180, 180)
        if (Math.Abs(az) < frontRangeDeg) return "front";
        if (Math.Abs(az) > 180 - backRangeDeg) return "back";
        return "side";
    }

    private static void Normalize(ref double x, ref double y, ref double z)
    {
        double n = Math.Sqrt(x * x + y * y + z * z);
        if (n > 0) { x /= n; y /= n; z /= n; }
    }
}
