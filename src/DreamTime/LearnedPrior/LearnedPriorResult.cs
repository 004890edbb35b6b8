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

/// <summary>How a training session ended and where its outputs are.</summary>
public sealed record LearnedPriorResult(LearnedPriorFolder Folder, int LastStep, bool Completed, double FinalLoss);
