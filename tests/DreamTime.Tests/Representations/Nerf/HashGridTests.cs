using System.Numerics;
using DreamTime.Representations.Nerf;
using DreamTime.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Representations.Nerf;

public class HashGridTests
{
    static HashGridTests() => TorchRuntime.ConfigureAllocator();

    // Coarse levels dense (5^3, 9^3 vertices <= 2^10), finer ones hashed into 2^10 rows.
    private static HashGridLayout SmallLayout() => new(levels: 4, features: 2, log2TableSize: 10, baseResolution: 4, perLevelScale: 2.0);

    private static HashGridEncoding Encoding64(HashGridLayout layout, ulong seed = 1)
    {
        var enc = new HashGridEncoding(layout, new Generator(seed), ScalarType.Float64);
        // Values of order 1 instead of 1e-4, so finite differences and comparisons are well conditioned.
        using (torch.no_grad())
            enc.Table.copy_(torch.randn(enc.Table.shape, dtype: ScalarType.Float64, generator: new Generator(seed + 7)));
        return enc;
    }

    private static Tensor RandomPoints(long n, ulong seed) =>
        torch.rand(new long[] { n, 3 }, dtype: ScalarType.Float64, generator: new Generator(seed));

    [Fact]
    public void LayoutIsDenseForCoarseLevelsAndHashedForFine()
    {
        var g = SmallLayout();
        Assert.Equal(new[] { 4, 8, 16, 32 }, g.Resolution);
        Assert.Equal(new[] { true, true, false, false }, g.Dense);
        Assert.Equal(new long[] { 125, 729, 1024, 1024 }, g.Rows);
        Assert.Equal(new long[] { 0, 125, 854, 1878 }, g.Offset);
        Assert.Equal(2902, g.TotalRows);
        // Dense rows are a bijection onto 0..(res+1)^3-1
        var seen = new HashSet<long>();
        for (int z = 0; z <= 4; z++)
            for (int y = 0; y <= 4; y++)
                for (int x = 0; x <= 4; x++)
                    Assert.True(seen.Add(g.LocalRow(0, x, y, z)));
        Assert.Equal(125, seen.Count);
        Assert.Equal(124, seen.Max());
        // Hashed rows: Instant-NGP's xor of prime multiples modulo T, computed here in arbitrary precision.
        foreach (var (x, y, z) in new[] { (3, 17, 29), (32, 0, 31), (1, 1, 1) })
        {
            var h = (new BigInteger(x) ^ (new BigInteger(y) * 2654435761 % (BigInteger.One << 32)) ^ (new BigInteger(z)
                * 805459861 % (BigInteger.One << 32))) % 1024;
            Assert.Equal((long)h, g.LocalRow(3, x, y, z));
        }
    }

    [Fact]
    public void FeaturesAtAGridVertexAreThatVertexsRow()
    {
        var g = SmallLayout();
        var enc = Encoding64(g);
        // Vertex (1,2,3) of level 0 (res 4) is u = (0.25, 0.5, 0.75); at level 1 (res 8) it is vertex (2,4,6), and so on.
        var u = torch.tensor(new[] { 0.25, 0.5, 0.75 }, dtype: ScalarType.Float64).view(1, 3);
        var f = enc.forward(u);
        var table = enc.Table.detach();
        for (int l = 0; l < g.Levels; l++)
        {
            int k = 1 << l;
            long row = g.Offset[l] + g.LocalRow(l, 1 * k, 2 * k, 3 * k);
            for (int c = 0; c < 2; c++)
                Assert.Equal(table[row, c].item<double>(), f[0, l * 2 + c].item<double>(), 12);
        }
    }

    [Fact]
    public void KernelMatchesTensorOps()
    {
        var enc = Encoding64(SmallLayout());
        var u = torch.cat(new[] { RandomPoints(500, 3),
            torch.tensor(new double[] { 0, 0, 0, 1, 1, 1, 1, 0, 0.5 }, new long[] { 3, 3 }, ScalarType.Float64) });
        var (fk, jk) = enc.Encode(u, jacobian: true);
        var (ft, jt) = enc.EncodeWithTensorOps(u, jacobian: true);
        Assert.True(fk.allclose(ft, rtol: 1e-12, atol: 1e-12), $"features differ by {(fk - ft).abs().max().item<double>()}");
        Assert.True(jk!.allclose(jt!, rtol: 1e-12, atol: 1e-10), $"jacobians differ by {(jk - jt!).abs().max().item<double>()}");
        var (f32k, _) = new HashGridEncoding(SmallLayout(), new Generator(5)).Encode(u.to(ScalarType.Float32), jacobian: false);
        Assert.Equal(ScalarType.Float32, f32k.dtype);
    }

    [Fact]
    public void JacobianMatchesFiniteDifferencesOfPositions()
    {
        var enc = Encoding64(SmallLayout());
        // Keep points away from the faces of the unit cube, where the clamp makes the derivative one-sided.
        var u = RandomPoints(200, 11).Times(0.9).Plus(0.05);
        var (_, jac) = enc.Encode(u, jacobian: true);
        const double h = 1e-6;
        for (int k = 0; k < 3; k++)
        {
            var e = torch.zeros(1, 3, dtype: ScalarType.Float64);
            e[0, k] = h;
            var fd = (enc.forward(u.Plus(e)) - enc.forward(u - e)).DividedBy(2 * h);
            var err = (fd - jac![.., k]).abs();
            // A point within h of a cell face sees a kink; allow those few, demand agreement elsewhere.
            using var tolerance = (1e-5 * (1 + fd.abs().max().item<double>())).ToScalar();
            var bad = err.gt(tolerance).any(1).sum().item<long>();
            Assert.True(bad <= 2, $"axis {k}: {bad} of 200 points disagree with finite differences (max error {err.max().item<double>()})");
        }
    }

    [Theory]
    [InlineData(HashGridBackend.Auto)]
    [InlineData(HashGridBackend.TensorOps)]
    public void TableGradientMatchesFiniteDifferences(HashGridBackend backend)
    {
        var enc = Encoding64(SmallLayout());
        enc.Backend = backend;
        var u = RandomPoints(300, 21);
        var g = new Generator(4);
        var cf = torch.randn(new long[] { 300, 8 }, dtype: ScalarType.Float64, generator: g);
        var cj = torch.randn(new long[] { 300, 3, 8 }, dtype: ScalarType.Float64, generator: g);
        Tensor Loss()
        {
            var (f, j) = enc.Encode(u, jacobian: true);
            return (f * cf).sum().Plus((j! * cj).sum().Times(0.01));
        }
        enc.zero_grad();
        Loss().backward();
        var grad = enc.Table.grad!.clone();
        // Rows with the largest gradients (touched by many points) plus a few random rows, both features.
        var rows = grad.abs().sum(1).argsort(descending: true)[..20].data<long>().ToList();
        rows.AddRange(new long[] { 0, 124, 125, 2000, 2901 });
        const double h = 1e-5;
        foreach (var row in rows)
            for (int c = 0; c < 2; c++)
            {
                double orig = enc.Table[row, c].item<double>();
                double Eval(double v)
                {
                    using (torch.no_grad()) enc.Table[row, c] = v;
                    using (torch.no_grad()) return Loss().item<double>();
                }
                double fd = (Eval(orig + h) - Eval(orig - h)) / (2 * h);
                Eval(orig);
                double an = grad[row, c].item<double>();
                Assert.True(Math.Abs(fd - an) <= 1e-6 * (1 + Math.Abs(an)),
                    $"row {row} feature {c}: analytic {an} vs finite difference {fd}");
            }
    }

    [Fact]
    public void KernelAndTensorOpsGiveTheSameTableGradient()
    {
        var enc = Encoding64(SmallLayout());
        var u = RandomPoints(400, 31);
        var cf = torch.randn(new long[] { 400, 4, 8 }, dtype: ScalarType.Float64, generator: new Generator(9));
        Tensor GradWith(HashGridBackend b)
        {
            enc.Backend = b;
            enc.zero_grad();
            var (f, j) = enc.Encode(u, jacobian: true);
            (torch.cat(new[] { f.unsqueeze(1), j! }, 1) * cf).sum().backward();
            return enc.Table.grad!.clone();
        }
        var gk = GradWith(HashGridBackend.Auto);
        var gt = GradWith(HashGridBackend.TensorOps);
        Assert.True(gk.allclose(gt, rtol: 1e-10, atol: 1e-10), $"table gradients differ by {(gk - gt).abs().max().item<double>()}");
    }
}
