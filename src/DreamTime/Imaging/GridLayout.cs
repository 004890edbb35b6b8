using System.Numerics;

namespace DreamTime.Imaging;

/// <summary>
/// Where <see cref="ImageIO.Grid(IReadOnlyList{RgbImage}, GridLayout, Vector3)"/> puts each image: row-major cells
/// as large as the largest image times <see cref="Scale"/>, each image centred in its cell, <see cref="Gap"/>
/// pixels between and around the cells, a band of <see cref="Top"/> pixels above them (for a title) and one of
/// <see cref="Below"/> pixels under every cell (for a caption). Fewer images than columns make a narrower grid.
/// </summary>
public sealed record GridLayout
{
    public int Count { get; }
    public int Columns { get; }
    public int Rows { get; }
    public int Scale { get; }
    public int Gap { get; }
    public int Top { get; }
    public int Below { get; }
    public int CellWidth { get; }
    public int CellHeight { get; }
    public int Width => Columns * CellWidth + (Columns + 1) * Gap;
    public int Height => Top + Rows * (CellHeight + Below) + (Rows + 1) * Gap;

    public GridLayout(IReadOnlyList<RgbImage> images, int columns, int scale = 1, int gap = 2, int top = 0, int below = 0)
    {
        if (images.Count == 0) throw new ArgumentException("no images");
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, "a grid needs at least one column");
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "must be at least 1");
        if (gap < 0 || top < 0 || below < 0) throw new ArgumentOutOfRangeException(nameof(gap), "gap and bands must not be negative");
        Count = images.Count;
        Columns = Math.Min(columns, Count);
        Rows = (Count + Columns - 1) / Columns;
        Scale = scale; Gap = gap; Top = top; Below = below;
        CellWidth = images.Max(i => i.Width) * scale;
        CellHeight = images.Max(i => i.Height) * scale;
    }

    /// <summary>Top-left pixel of cell <paramref name="n"/> (row n / Columns, column n % Columns).</summary>
    public (int X, int Y) CellOrigin(int n) =>
        (Gap + (n % Columns) * (CellWidth + Gap), Top + Gap + (n / Columns) * (CellHeight + Below + Gap));

    /// <summary>Top-left pixel of <paramref name="image"/> placed, enlarged, in cell <paramref name="n"/>.</summary>
    public (int X, int Y) TileOrigin(int n, RgbImage image)
    {
        var (x, y) = CellOrigin(n);
        return (x + (CellWidth - image.Width * Scale) / 2, y + (CellHeight - image.Height * Scale) / 2);
    }
}
