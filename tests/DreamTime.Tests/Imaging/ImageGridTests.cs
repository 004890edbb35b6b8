using System.Numerics;
using DreamTime.Imaging;
using Xunit;

namespace DreamTime.Tests.Imaging;

public class ImageGridTests
{
    private static RgbImage Noise(Random rng, int h, int w) =>
        new(h, w, Enumerable.Range(0, h * w * 3).Select(_ => rng.NextSingle()).ToArray());

    private static Vector3 At(RgbImage img, int row, int col)
    {
        int k = (row * img.Width + col) * 3;
        return new Vector3(img.Pixels[k], img.Pixels[k + 1], img.Pixels[k + 2]);
    }

    [Theory]
    [InlineData(7, 3, 1, 2)]
    [InlineData(7, 3, 2, 0)]
    [InlineData(6, 2, 3, 4)]
    [InlineData(1, 1, 2, 1)]
    public void EveryTilePixelLandsAtItsRowAndColumnAndTheRestIsBackground(int count, int columns, int scale, int gap)
    {
        var rng = new Random(count * 100 + scale);
        const int h = 5, w = 7;
        const float background = 0.25f;
        var images = Enumerable.Range(0, count).Select(_ => Noise(rng, h, w)).ToList();
        var grid = ImageIO.Grid(images, columns, scale, gap, background);

        int rows = (count + columns - 1) / columns;
        Assert.Equal(rows * h * scale + (rows + 1) * gap, grid.Height);
        Assert.Equal(columns * w * scale + (columns + 1) * gap, grid.Width);
        var covered = new bool[grid.Height, grid.Width];
        for (int n = 0; n < count; n++)
        {
            int r = n / columns, c = n % columns;
            int top = gap + r * (h * scale + gap), left = gap + c * (w * scale + gap);
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    for (int di = 0; di < scale; di++)
                        for (int dj = 0; dj < scale; dj++)
                        {
                            int y = top + i * scale + di, x = left + j * scale + dj;
                            Assert.Equal(At(images[n], i, j), At(grid, y, x));
                            covered[y, x] = true;
                        }
        }
        for (int y = 0; y < grid.Height; y++)
            for (int x = 0; x < grid.Width; x++)
                if (!covered[y, x]) Assert.Equal(new Vector3(background), At(grid, y, x));
    }

    [Fact]
    public void SmallerTilesAreCentredInCellsBetweenTheBands()
    {
        var rng = new Random(4);
        var images = new List<RgbImage> { Noise(rng, 6, 8), Noise(rng, 2, 4), Noise(rng, 6, 8), Noise(rng, 4, 2) };
        var layout = new GridLayout(images, columns: 3, scale: 2, gap: 3, top: 10, below: 5);
        var colour = new Vector3(0.1f, 0.7f, 0.3f);
        var grid = ImageIO.Grid(images, layout, colour);
        // cells are 16 x 12 (the largest tile doubled); two rows, each followed by a 5-pixel band
        Assert.Equal((3, 2, 16, 12), (layout.Columns, layout.Rows, layout.CellWidth, layout.CellHeight));
        Assert.Equal(3 * 16 + 4 * 3, grid.Width);
        Assert.Equal(10 + 2 * (12 + 5) + 3 * 3, grid.Height);
        // tile 1 (4 wide, 2 high, doubled to 8 x 4) sits centred in the second cell of the first row
        Assert.Equal(At(images[1], 0, 0), At(grid, 10 + 3 + 4, 3 + 16 + 3 + 4));
        Assert.Equal(At(images[1], 1, 3), At(grid, 10 + 3 + 4 + 3, 3 + 16 + 3 + 4 + 7));
        Assert.Equal(colour, At(grid, 10 + 3 + 3, 3 + 16 + 3 + 4));
        // tile 3 starts the second row, below the first row's band
        Assert.Equal(At(images[3], 0, 0), At(grid, 10 + 3 + 12 + 5 + 3 + 2, 3 + 6));
        Assert.Equal(colour, At(grid, 0, 0));
        Assert.Equal(colour, At(grid, grid.Height - 1, grid.Width - 1));
    }

    [Fact]
    public void FewerImagesThanColumnsMakeANarrowerGrid()
    {
        var images = Enumerable.Range(0, 2).Select(_ => RgbImage.Filled(4, 5, 0, 0, 0)).ToList();
        Assert.Equal(2 * 5 + 3 * 2, ImageIO.Grid(images, 6).Width);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        var one = new List<RgbImage> { RgbImage.Filled(2, 2, 0, 0, 0) };
        Assert.Throws<ArgumentException>(() => ImageIO.Grid([], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageIO.Grid(one, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageIO.Grid(one, 1, scale: 0));
        Assert.Throws<ArgumentException>(() => ImageIO.Grid(one.Concat(one).ToList(), new GridLayout(one, 1), Vector3.One));
        Assert.Throws<ArgumentException>(() => ImageIO.Grid([RgbImage.Filled(3, 2, 0, 0, 0)], new GridLayout(one, 1), Vector3.One));
    }
}
