using System.Numerics;

namespace DreamTime.Scenes;

/// <summary>Named albedo colours shared by the families.</summary>
internal static class Palette
{
    public static readonly Dictionary<string, Vector3> Colours = new()
    {
        ["red"] = new(0.82f, 0.12f, 0.10f),
        ["blue"] = new(0.15f, 0.32f, 0.85f),
        ["green"] = new(0.18f, 0.62f, 0.20f),
        ["yellow"] = new(0.95f, 0.80f, 0.12f),
        ["white"] = new(0.86f, 0.86f, 0.84f),
        ["brown"] = new(0.48f, 0.28f, 0.13f),
        ["purple"] = new(0.52f, 0.20f, 0.68f),
        ["orange"] = new(0.95f, 0.48f, 0.08f),
        ["pink"] = new(0.95f, 0.55f, 0.72f),
        ["grey"] = new(0.55f, 0.56f, 0.60f),
        ["black"] = new(0.07f, 0.07f, 0.08f),
    };

    public static Vector3 Of(string name) => Colours[name];
    public static readonly Vector3 Cream = new(0.93f, 0.88f, 0.76f);
    public static readonly Vector3 Snow = new(0.90f, 0.92f, 0.95f);
    public static readonly Vector3 Wood = new(0.42f, 0.25f, 0.12f);
    public static readonly Vector3 DarkWood = new(0.30f, 0.17f, 0.08f);
    public static readonly Vector3 Glass = new(0.35f, 0.55f, 0.75f);
    public static readonly Vector3 Tyre = new(0.10f, 0.10f, 0.11f);
    public static readonly Vector3 Metal = new(0.62f, 0.63f, 0.66f);
    public static readonly Vector3 Glow = new(0.30f, 0.95f, 0.95f);

    /// <summary>Slight per-member variation of a colour, so members of one colour still differ.</summary>
    public static Vector3 Jitter(Vector3 c, Random rng, float amount = 0.05f) =>
        Vector3.Clamp(c * (1 + amount * (2 * (float)rng.NextDouble() - 1)), Vector3.Zero, Vector3.One);
}
