using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using DreamTime.Runtime;

namespace DreamTime.Training;

/// <summary>How a session ended.</summary>
public enum SessionOutcome { Completed, Interrupted }
