using System.Numerics;
using DreamTime.Imaging;

namespace DreamTime.Geometry;

/// <summary>Texture look-ups with glTF's conventions: UV (0, 0) is the top-left corner, texel centres at (j + 0.5) / width.</summary>
public static class TextureFilter
{
    /// <summary>Bilinear interpolation of the four texels around <paramref name="uv"/>, clamped to the edge texels.</summary>
    public static Vector3 Bilinear(RgbImage texture, Vector2 uv)
    {
        int w = texture.Width, h = texture.Height;
        float x = uv.X * w - 0.5f, y = uv.Y * h - 0.5f;
        if (!float.IsFinite(x) || !float.IsFinite(y)) return Vector3.Zero;
        float fx = MathF.Floor(x), fy = MathF.Floor(y);
        float tx = x - fx, ty = y - fy;
        int x0 = Math.Clamp((int)fx, 0, w - 1), x1 = Math.Clamp((int)fx + 1, 0, w - 1);
        int y0 = Math.Clamp((int)fy, 0, h - 1), y1 = Math.Clamp((int)fy + 1, 0, h - 1);
        var p = texture.Pixels;
        Vector3 At(int col, int row)
        {
            int i = 3 * (row * w + col);
            return new Vector3(p[i], p[i + 1], p[i + 2]);
        }
        var top = Vector3.Lerp(At(x0, y0), At(x1, y0), tx);
        var bottom = Vector3.Lerp(At(x0, y1), At(x1, y1), tx);
        return Vector3.Lerp(top, bottom, ty);
    }
}
