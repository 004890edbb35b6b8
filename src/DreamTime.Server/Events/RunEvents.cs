using System.Threading.Channels;

namespace DreamTime.Server.Events;

/// <summary>
/// Fans events out to every open page. Each subscriber has its own bounded queue; a page too slow to keep up loses
/// its oldest steps, never the server's time.
/// </summary>
public sealed class RunEvents
{
    private readonly Lock _gate = new();
    private readonly List<Channel<ServerEvent>> _subscribers = [];

    public ChannelReader<ServerEvent> Subscribe(CancellationToken until)
    {
        var channel = Channel.CreateBounded<ServerEvent>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate) _subscribers.Add(channel);
        until.Register(() =>
        {
            lock (_gate) _subscribers.Remove(channel);
            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    public int Subscribers
    {
        get { lock (_gate) return _subscribers.Count; }
    }

    public void Publish(ServerEvent e)
    {
        lock (_gate)
            foreach (var s in _subscribers) s.Writer.TryWrite(e);
    }
}
