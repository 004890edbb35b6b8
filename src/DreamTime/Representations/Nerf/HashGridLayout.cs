namespace DreamTime.Representations.Nerf;

/// <summary>
/// Where each level of a multi-resolution hash grid lives in the one flat feature table, and how a grid
/// vertex maps to its row. Level l has resolution floor(base * scale^l) cells per axis, i.e. res+1 vertices;
/// a level whose (res+1)^3 vertices fit in T rows is indexed densely (no collisions), finer levels share T
/// rows through Instant-NGP's spatial hash (x * 1 xor y * 2654435761 xor z * 805459861) mod T.
/// </summary>
public sealed class HashGridLayout
{
    public const uint PrimeY = 2654435761u;
    public const uint PrimeZ = 805459861u;

    public int Levels { get; }
    public int Features { get; }
    public long TableSize { get; }
    public int[] Resolution { get; }
    public bool[] Dense { get; }
    public long[] Offset { get; }
    public long[] Rows { get; }
    public long TotalRows { get; }

    /// <summary>Features per point: Levels * Features.</summary>
    public int OutputDim => Levels * Features;

    public HashGridLayout(int levels, int features, int log2TableSize, int baseResolution, double perLevelScale)
    {
        Levels = levels;
        Features = features;
        TableSize = 1L << log2TableSize;
        Resolution = new int[levels];
        Dense = new bool[levels];
        Offset = new long[levels];
        Rows = new long[levels];
        long offset = 0;
        for (int l = 0; l < levels; l++)
        {
            // A tiny epsilon keeps floor() from dropping a level when base*scale^l is an integer up to rounding.
            int res = Math.Max(1, (int)Math.Floor(baseResolution * Math.Pow(perLevelScale, l) + 1e-9));
            long vertices = (long)(res + 1) * (res + 1) * (res + 1);
            Resolution[l] = res;
            Dense[l] = vertices <= TableSize;
            Rows[l] = Dense[l] ? vertices : TableSize;
            Offset[l] = offset;
            offset += Rows[l];
        }
        TotalRows = offset;
    }

    public static HashGridLayout From(NerfConfig c) =>
        new(c.HashLevels, c.FeaturesPerLevel, c.Log2TableSize, c.BaseResolution, c.PerLevelScale);

    /// <summary>Row of the level-local vertex (x, y, z) within level l (add Offset[l] for the table row).</summary>
    public long LocalRow(int l, int x, int y, int z)
    {
        if (Dense[l])
        {
            long stride = Resolution[l] + 1;
            return x + stride * (y + stride * z);
        }
        return ((uint)x ^ ((uint)y * PrimeY) ^ ((uint)z * PrimeZ)) & (uint)(TableSize - 1);
    }
}
