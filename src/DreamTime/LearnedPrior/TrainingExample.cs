using DreamTime.Rendering;

namespace DreamTime.LearnedPrior;

/// <summary>One labelled render: the scene's family and attribute values, its camera, the caption and the RGB image.</summary>
/// <param name="Rgb">row-major HWC in [0, 1]</param>
public sealed record TrainingExample(string Family, IReadOnlyDictionary<string, string> Attributes, Camera Camera, string Caption, int Size,
    float[] Rgb);
