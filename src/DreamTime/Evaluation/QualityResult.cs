using DreamTime.Imaging;
using DreamTime.Rendering;
using static TorchSharp.torch;

namespace DreamTime.Evaluation;

public sealed record QualityResult(string NearestMember, int NearestIndex, double Psnr, double MaskIou);
