using System.Threading.Channels;
using KinesisGrains.Abstractions.Monitoring;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Streaming.Kinesis.Monitoring;

/// <summary>
/// Calls the listeners off the hot path: events queue in order and one background task hands each to every
/// listener; a listener that throws is logged and the others, and the stream, go on.
/// </summary>
internal sealed partial class StreamingQueryListenerBus : IAsyncDisposable
{
    private readonly IStreamingQueryListener[] _listeners;
    private readonly ILogger _logger;
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _dispatching;

    public StreamingQueryListenerBus(IEnumerable<IStreamingQueryListener> listeners, ILogger logger)
    {
        _listeners = [.. listeners];
        _logger = logger;
        _dispatching = _listeners.Length == 0 ? Task.CompletedTask : Task.Run(DispatchAsync);
    }

    public void Post(object queryEvent)
    {
        if (_listeners.Length > 0)
        {
            _events.Writer.TryWrite(queryEvent);
        }
    }

    private async Task DispatchAsync()
    {
        await foreach (var queryEvent in _events.Reader.ReadAllAsync())
        {
            foreach (var listener in _listeners)
            {
                try
                {
                    switch (queryEvent)
                    {
                        case QueryStartedEvent started:
                            listener.OnQueryStarted(started);
                            break;
                        case QueryProgressEvent progress:
                            listener.OnQueryProgress(progress);
                            break;
                        case QueryIdleEvent idle:
                            listener.OnQueryIdle(idle);
                            break;
                        case QueryTerminatedEvent terminated:
                            listener.OnQueryTerminated(terminated);
                            break;
                    }
                }
                catch (Exception exception)
                {
                    LogListenerFailed(_logger, listener.GetType().Name, queryEvent.GetType().Name, exception);
                }
            }
        }
    }

    /// <summary>Delivers what is queued (for at most a few seconds), then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        await _dispatching.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Streaming query listener {Listener} threw on {Event}; the stream goes on")]
    private static partial void LogListenerFailed(ILogger logger, string listener, string @event, Exception exception);
}
