using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using DreamTime.Imaging;
using DreamTime.Models.Diffusers;
using DreamTime.Runtime;
using DreamTime.Training;
using TorchSharp;
using static TorchSharp.torch;
using DreamTime.Scenes;

namespace DreamTime.LearnedPrior;

/// <summary>One line of metrics.jsonl.</summary>
public sealed record LearnedPriorStep(int Step, double Loss, double LearningRate, double MeanT, double Seconds);
