using DreamTime.IO;
using DreamTime.Models.Unet;
using DreamTime.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Unet;

/// <summary>addition_embed_type "text": the attention pooling against loops written from its definition, the UNet's use of it, its config
/// and keys.</summary>
public class TextTimeEmbeddingTests
{
    [Fact]
    public void AttentionPoolingMatchesItsDefinitionInFloat64Loops()
    {
        using var scope = NewDisposeScope();
        const int heads = 2, width = 6, tokens = 4, batch = 3;
        using var pool = new AttentionPooling(heads, width);
        using (var g = Seeds.Generator(5, 0, 0)) DreamTime.LearnedPrior.LearnedPriorTrainer.InitialiseWeights(pool, g);
        var x = randn(new long[] { batch, tokens, width }, generator: Seeds.Generator(5, 1, 0));
        var got = pool.Forward(x);

        var p = pool.named_parameters().ToDictionary(n => n.name, n => n.parameter.to(ScalarType.Float64).data<double>().ToArray());
        double[] Linear(string name, double[] v)
        {
            var w = p[name + ".weight"]; var b = p[name + ".bias"];
            return Enumerable.Range(0, width).Select(o => b[o] + Enumerable.Range(0, width).Sum(i => w[o * width + i] * v[i])).ToArray();
        }
        var xs = x.to(ScalarType.Float64).data<double>().ToArray();
        int perHead = width / heads;
        for (int n = 0; n < batch; n++)
        {
            var rows = Enumerable.Range(0, tokens).Select(k => xs.Skip((n * tokens + k) * width).Take(width).ToArray()).ToList();
            var query = Enumerable.Range(0, width).Select(i => rows.Average(r => r[i]) + p["positional_embedding"][i]).ToArray();
            var seq = new[] { query }.Concat(rows).ToList(); // the query token is also a key and a value
            var q = Linear("q_proj", query);
            var ks = seq.Select(s => Linear("k_proj", s)).ToList();
            var vs = seq.Select(s => Linear("v_proj", s)).ToList();
            for (int h = 0; h < heads; h++)
            {
                var logits = ks.Select(k => Enumerable.Range(h * perHead, perHead).Sum(i => q[i] * k[i]) / Math.Sqrt(perHead)).ToArray();
                double max = logits.Max();
                var e = logits.Select(l => Math.Exp(l - max)).ToArray();
                double sum = e.Sum();
                for (int i = h * perHead; i < (h + 1) * perHead; i++)
                {
                    double expected = Enumerable.Range(0, seq.Count).Sum(j => e[j] / sum * vs[j][i]);
                    Assert.Equal(expected, got[n, i].item<float>(), 5);
                }
            }
        }
    }

    private static UNetConfig Tiny(string? addition) => new()
    {
        SampleSize = 8,
        InChannels = 3,
        OutChannels = 3,
        DownBlockTypes = new[] { "DownBlock2D", "CrossAttnDownBlock2D" },
        UpBlockTypes = new[] { "CrossAttnUpBlock2D", "UpBlock2D" },
        OnlyCrossAttention = new bool[2],
        BlockOutChannels = new[] { 8, 16 },
        LayersPerBlock = new[] { 1, 1 },
        NormNumGroups = 8,
        CrossAttentionDim = new[] { 12, 12 },
        TransformerLayersPerBlock = new[] { 1, 1 },
        AttentionHeads = new[] { 1, 2 },
        AdditionEmbedType = addition,
        AdditionEmbedTypeNumHeads = 3,
    };

    [Fact]
    public void TheUnetAddsThePooledTextToTheTimestepEmbedding()
    {
        using var scope = NewDisposeScope();
        using var plain = new UNet2DConditionModel(Tiny(null));
        using var withText = new UNet2DConditionModel(Tiny("text"));
        using (var g = Seeds.Generator(7, 0, 0)) DreamTime.LearnedPrior.LearnedPriorTrainer.InitialiseWeights(withText, g);
        var shared = plain.named_parameters().ToDictionary(n => n.name, n => n.parameter);
        var added = withText.named_parameters().Select(n => n.name).Where(n => !shared.ContainsKey(n)).OrderBy(n => n).ToArray();
        Assert.Equal(new[]
        {
            "add_embedding.norm1.bias", "add_embedding.norm1.weight", "add_embedding.norm2.bias", "add_embedding.norm2.weight",
            "add_embedding.pool.k_proj.bias", "add_embedding.pool.k_proj.weight", "add_embedding.pool.positional_embedding",
            "add_embedding.pool.q_proj.bias", "add_embedding.pool.q_proj.weight", "add_embedding.pool.v_proj.bias",
            "add_embedding.pool.v_proj.weight",
            "add_embedding.proj.bias", "add_embedding.proj.weight",
        }, added);
        using (no_grad())
            foreach (var (name, p) in withText.named_parameters())
                if (shared.TryGetValue(name, out var q)) q.copy_(p);

        var gen = Seeds.Generator(7, 1, 0);
        var x = randn(new long[] { 2, 3, 8, 8 }, generator: gen);
        var context = randn(new long[] { 2, 5, 12 }, generator: gen);
        var t = tensor(new long[] { 10, 900 });
        using (no_grad())
        {
            var baseline = plain.Forward(x, t, context);
            var conditioned = withText.Forward(x, t, context);
            Assert.True((conditioned - baseline).abs().max().item<float>() > 1e-3f, "the pooled text changed nothing");
            // norm2's scale and shift at zero make the added embedding zero: then the two UNets agree
            foreach (var (name, p) in withText.named_parameters())
                if (name.StartsWith("add_embedding.norm2.")) p.zero_();
            var silenced = withText.Forward(x, t, context);
            Assert.True((silenced - baseline).abs().max().item<float>() < 1e-6f,
                "with a zero text embedding the UNet differs from one without it");
        }
    }

    [Fact]
    public void TheConfigReadsBackAndRefusesOtherAdditionTypes()
    {
        var dir = Directory.CreateTempSubdirectory("dt-addemb-").FullName;
        try
        {
            var path = Path.Combine(dir, "config.json");
            File.WriteAllText(path, Tiny("text").ToJson().ToJsonString());
            var back = UNetConfig.From(ConfigJson.Read(path));
            Assert.Equal("text", back.AdditionEmbedType);
            Assert.Equal(3, back.AdditionEmbedTypeNumHeads);

            var json = Tiny("text").ToJson();
            json["addition_embed_type"] = "text_time";
            File.WriteAllText(path, json.ToJsonString());
            var e = Assert.Throws<UserError>(() => UNetConfig.From(ConfigJson.Read(path)));
            Assert.Contains("addition_embed_type \"text_time\" is not supported", e.Message);

            json["addition_embed_type"] = "text";
            json["addition_embed_type_num_heads"] = 5;
            File.WriteAllText(path, json.ToJsonString());
            e = Assert.Throws<UserError>(() => UNetConfig.From(ConfigJson.Read(path)));
            Assert.Contains("addition_embed_type_num_heads 5 must divide cross_attention_dim 12", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
