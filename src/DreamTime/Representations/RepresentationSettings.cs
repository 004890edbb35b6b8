using DreamTime.Runtime;

namespace DreamTime.Representations;

/// <summary>
/// Settings of a representation, chosen in config.json by "type" (see <see cref="Configuration.Components"/>).
/// Each registered representation has its own settings type.
/// </summary>
public abstract record RepresentationSettings
{
    /// <summary>Throws a <see cref="UserError"/> naming the first key out of range.</summary>
    public abstract void Validate();

    /// <summary>
    /// Refuses, before any training, a stage that cannot be built from the stage before it (<paramref name="previous"/>:
    /// its representation's settings, null for the first stage). Representations that start from scratch accept any.
    /// </summary>
    public virtual void CheckPrevious(RepresentationSettings? previous) { }
}
