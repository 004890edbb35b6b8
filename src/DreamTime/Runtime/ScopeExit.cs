namespace DreamTime.Runtime;

/// <summary>A scope that runs an action when it is disposed, once however often it is disposed.</summary>
public sealed class ScopeExit(Action action) : IDisposable
{
    /// <summary>A scope with nothing to undo.</summary>
    public static IDisposable None { get; } = new ScopeExit(() => { });

    private Action? _action = action;

    public void Dispose() => Interlocked.Exchange(ref _action, null)?.Invoke();
}
