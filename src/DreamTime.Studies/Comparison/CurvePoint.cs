using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DreamTime.Imaging;
using DreamTime.Rendering;
using DreamTime.Runtime;
using TorchSharp;
using DreamTime.Training;
using DreamTime.Configuration;

namespace DreamTime.Studies.Comparison;

/// <summary>One evaluation of a comparison run: iteration, PSNR and mask IoU to the nearest member.</summary>
public sealed record CurvePoint(int Step, double Psnr, double Iou);
