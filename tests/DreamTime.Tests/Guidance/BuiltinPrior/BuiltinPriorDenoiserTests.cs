using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Guidance.BuiltinPrior;

public class BuiltinPriorDenoiserTests
{
    static BuiltinPriorDenoiserTests() => TorchRuntime.ConfigureAllocator();

    private static double[,] RandomMatrix(int rows, int cols, int seed, double scale = 1)
    {
        var rng = new Random(seed);
        var m = new double[rows, cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) m[i, j] = scale * (2 * rng.NextDouble() - 1);
        return m;
    }

    private static Tensor T(double[,] m) => tensor(m.Cast<double>().ToArray(), new long[] { m.GetLength(0), m.GetLength(1) }, float64);

    private static double[] Row(Tensor t, int i) => t[i].data<double>().ToArray();

    [Fact]
    public void APriorLogWeightOfLogNIsTheMemberRepeatedNTimes()
    {
        // a weighted data set {(x_k, n_k)} is the plain data set with x_k written n_k times
        var members = RandomMatrix(3, 10, 4);
        var noisy = T(RandomMatrix(2, 10, 5, 1.2));
        int[] counts = { 1, 3, 2 };
        var repeated = new double[counts.Sum(), 10];
        int row = 0;
        for (int k = 0; k < 3; k++)
            for (int c = 0; c < counts[k]; c++, row++)
                for (int j = 0; j < 10; j++) repeated[row, j] = members[k, j];
        using var weighted = ExactDenoiser.Denoise(noisy, T(members), 0.4, 0.7,
            logPrior: tensor(counts.Select(c => Math.Log(c)).ToArray()));
        using var plain = ExactDenoiser.Denoise(noisy, T(repeated), 0.4, 0.7);
        Assert.True((weighted.X0 - plain.X0).abs().max().item<double>() < 1e-12);
        Assert.True((weighted.Eps - plain.Eps).abs().max().item<double>() < 1e-12);
        Assert.Equal(plain.Weights[0, 1].item<double>() + plain.Weights[0, 2].item<double>() + plain.Weights[0, 3].item<double>(),
            weighted.Weights[0, 1].item<double>(), 12);
    }

    [Fact]
    public void MatchesTheClosedFormComputedByHand()
    {
        int k = 5, d = 12, b = 3;
        var members = RandomMatrix(k, d, 1);
        var noisy = RandomMatrix(b, d, 2, 1.5);
        double ab = 0.37, sharp = 0.8;
        using var post = ExactDenoiser.Denoise(T(noisy), T(members), ab, sharp);
        for (int r = 0; r < b; r++)
        {
            // reference: plain loops, softmax with the max subtracted
            var logits = new double[k];
            for (int m = 0; m < k; m++)
            {
                double s = 0;
                for (int j = 0; j < d; j++) { double e = noisy[r, j] - Math.Sqrt(ab) * members[m, j]; s += e * e; }
                logits[m] = -sharp * s / (2 * (1 - ab));
            }
            double max = logits.Max();
            var w = logits.Select(l => Math.Exp(l - max)).ToArray();
            double z = w.Sum();
            for (int m = 0; m < k; m++) w[m] /= z;
            var weights = Row(post.Weights, r);
            for (int m = 0; m < k; m++) Assert.Equal(w[m], weights[m], 1e-10);
            Assert.Equal(1.0, weights.Sum(), 1e-12);
            var x0 = Row(post.X0, r);
            var eps = Row(post.Eps, r);
            for (int j = 0; j < d; j++)
            {
                double x0Ref = Enumerable.Range(0, k).Sum(m => w[m] * members[m, j]);
                Assert.Equal(x0Ref, x0[j], 1e-10);
                Assert.Equal((noisy[r, j] - Math.Sqrt(ab) * x0Ref) / Math.Sqrt(1 - ab), eps[j], 1e-9);
            }
            double h = -w.Where(v => v > 0).Sum(v => v * Math.Log(v));
            Assert.Equal(h, post.Entropy[r].item<double>(), 1e-9);
        }
    }

    [Fact]
    public void WithOneMemberTheEstimateIsThatMemberAndTheNoiseIsRecovered()
    {
        var member = RandomMatrix(1, 40, 3);
        var noise = RandomMatrix(2, 40, 4);
        double ab = 0.21;
        using var x = T(member);
        using var eps = T(noise);
        using var noisy = x.Times(Math.Sqrt(ab)).Plus(eps.Times(Math.Sqrt(1 - ab)));
        using var post = ExactDenoiser.Denoise(noisy, x, ab);
        for (int r = 0; r < 2; r++)
        {
            Assert.Equal(1.0, post.Weights[r, 0].item<double>());
            var x0 = Row(post.X0, r);
            var e = Row(post.Eps, r);
            for (int j = 0; j < 40; j++)
            {
                Assert.Equal(member[0, j], x0[j], 1e-12);
                Assert.Equal(noise[r, j], e[j], 1e-9);
            }
        }
    }

    [Fact]
    public void SmallNoiseConcentratesOnTheSourceMemberAndLargeNoiseIsUniform()
    {
        int k = 8, d = 64;
        var members = T(RandomMatrix(k, d, 5));
        var gen = new Generator(7);
        var source = members.index_select(0, tensor(new long[] { 3, 6 }));
        var eps = randn(new long[] { 2, d }, float64, generator: gen);

        double abSmall = 0.999;
        using var sharp = ExactDenoiser.Denoise(source.Times(Math.Sqrt(abSmall)).Plus(eps.Times(Math.Sqrt(1 - abSmall))), members, abSmall);
        Assert.True(sharp.Weights[0, 3].item<double>() > 0.999);
        Assert.True(sharp.Weights[1, 6].item<double>() > 0.999);
        Assert.True(sharp.Entropy.max().item<double>() < 0.01);

        double abLarge = 1e-6;
        using var broad = ExactDenoiser.Denoise(source.Times(Math.Sqrt(abLarge)).Plus(eps.Times(Math.Sqrt(1 - abLarge))), members, abLarge);
        Assert.True(broad.Weights.Minus(1.0 / k).abs().max().item<double>() < 0.01);
        Assert.True(broad.Entropy.min().item<double>() > Math.Log(k) - 0.01);
        using var mean = members.mean(new long[] { 0 });
        Assert.True((broad.X0 - mean).abs().max().item<double>() < 0.02);
    }

    [Fact]
    public void BatchedMemberSetsEqualSharedOnes()
    {
        var members = T(RandomMatrix(6, 20, 8));
        var noisy = T(RandomMatrix(3, 20, 9));
        using var shared = ExactDenoiser.Denoise(noisy, members, 0.5, 0.3);
        using var batched = ExactDenoiser.Denoise(noisy, members.unsqueeze(0).expand(3, 6, 20).contiguous(), 0.5, 0.3);
        Assert.True((shared.Eps - batched.Eps).abs().max().item<double>() < 1e-12);
        Assert.True((shared.Weights - batched.Weights).abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void ZeroSharpnessIgnoresTheDataAndSharpnessOneIsExact()
    {
        var members = T(RandomMatrix(4, 10, 10));
        var noisy = T(RandomMatrix(1, 10, 11));
        using var flat = ExactDenoiser.Denoise(noisy, members, 0.6, 0.0);
        Assert.True(flat.Weights.Minus(0.25).abs().max().item<double>() < 1e-12);
        using var exact = ExactDenoiser.Denoise(noisy, members, 0.6);
        using var same = ExactDenoiser.Denoise(noisy, members, 0.6, 1.0);
        Assert.True((exact.Weights - same.Weights).abs().max().item<double>() == 0);
    }

    [Fact]
    public void GuidanceScaleOneIsTheConditionalPredictionAndZeroTheUnconditional()
    {
        var all = T(RandomMatrix(6, 16, 12));
        var cond = all.index_select(0, tensor(new long[] { 1, 4 }));
        var noisy = T(RandomMatrix(2, 16, 13));
        using var c = ExactDenoiser.Denoise(noisy, cond, 0.3);
        using var u = ExactDenoiser.Denoise(noisy, all, 0.3);
        Assert.True((ExactDenoiser.Guided(c.Eps, u.Eps, 1.0) - c.Eps).abs().max().item<double>() < 1e-12);
        Assert.True((ExactDenoiser.Guided(c.Eps, u.Eps, 0.0) - u.Eps).abs().max().item<double>() < 1e-12);
        // linear in the scale: s = 3 is u + 3 (c - u)
        var three = ExactDenoiser.Guided(c.Eps, u.Eps, 3.0);
        Assert.True((three - (c.Eps.Times(3) - u.Eps.Times(2))).abs().max().item<double>() < 1e-10);
    }

    [Fact]
    public void HugeDistancesStayFinite()
    {
        // members far apart at tiny noise: logits of order -1e9 must not overflow the softmax
        var members = T(RandomMatrix(3, 50, 14, 100));
        var noisy = members.index_select(0, tensor(new long[] { 2 })).Times(Math.Sqrt(0.9999));
        using var post = ExactDenoiser.Denoise(noisy, members, 0.9999);
        Assert.False(post.Eps.isnan().any().item<bool>());
        Assert.Equal(1.0, post.Weights[0, 2].item<double>(), 1e-12);
    }
}
