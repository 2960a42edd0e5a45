using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace KinesisGrains.Silo.Hosting;

/// <summary>
/// Declares a silo dead as soon as its process is gone, without shortening Orleans' probes for the silo that is only
/// slow. When a connection to an active silo ends (Orleans' <c>Orleans.Connections</c> diagnostic events), this silo
/// connects to that silo's endpoint itself: a process that exited (SIGKILL, crash, OOM kill) leaves no listener, and
/// the host answers a connection attempt with a reset at once, while a process that is alive but paused (a GC pause,
/// a stalled thread pool, SIGSTOP) keeps its listening socket and the kernel completes the handshake for it (a full
/// backlog drops the attempt, a timeout, never a refusal). Only refusals in a row, <see cref="Attempts"/> of them
/// <see cref="Pause"/> apart, call <see cref="IClusterMembershipService.TryKill"/> (as Orleans' Kubernetes agent does
/// when a pod is deleted); an accepted or timed-out attempt leaves the silo to Orleans' probes and votes. A silo that
/// stops gracefully writes <c>Dead</c> in the table before it closes its listener, and only silos this silo sees as
/// <c>Active</c> are checked. <c>Silo:DeclareDeadOnRefusedConnection=false</c> turns it off (a network whose
/// firewalls reject rather than drop connections to live silos).
/// </summary>
internal sealed partial class RefusedConnectionDetector(
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    ILogger<RefusedConnectionDetector> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    internal const int Attempts = 3;
    internal static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);
    private const string ListenerName = "Orleans.Connections";
    private const string TerminatedEvent = "Terminated";

    private readonly ConcurrentDictionary<SiloAddress, byte> _checking = new();
    private readonly ConcurrentDictionary<Type, Func<object?, object?>?> _connectionOf = new();
    private readonly ConcurrentDictionary<Type, (PropertyInfo? Silo, PropertyInfo? EndPoint)> _remoteOf = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<IDisposable> _subscriptions = [];
    private bool _unreadableLogged;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RefusedConnectionDetector), ServiceLifecycleStage.Active, OnActiveStart, OnActiveStop);

    private Task OnActiveStart(CancellationToken cancellationToken)
    {
        lock (_subscriptions)
        {
            _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
        }

        return Task.CompletedTask;
    }

    private Task OnActiveStop(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel();
        }

        lock (_subscriptions)
        {
            foreach (var subscription in _subscriptions)
            {
                subscription.Dispose();
            }

            _subscriptions.Clear();
        }
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name == ListenerName && !_stopping.IsCancellationRequested)
        {
            lock (_subscriptions)
            {
                // Only the terminations: the other connection events stay disabled (Orleans skips building them).
                _subscriptions.Add(listener.Subscribe(this, name => name == TerminatedEvent));
            }
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key != TerminatedEvent || value.Value is not { } payload || _stopping.IsCancellationRequested)
        {
            return;
        }

        var (remoteSilo, remoteEndPoint) = RemoteOf(payload);
        if (remoteSilo is null && remoteEndPoint is null)
        {
            return;
        }

        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            var matches = remoteSilo is not null ? member.SiloAddress.Equals(remoteSilo) : SameEndPoint(member.SiloAddress.Endpoint, remoteEndPoint!);
            if (matches && member.Status == SiloStatus.Active && !member.SiloAddress.Equals(localSilo.SiloAddress) && _checking.TryAdd(member.SiloAddress, 0))
            {
                _ = Task.Run(() => CheckAsync(member.SiloAddress));
            }
        }
    }

    /// <summary>Connects to <paramref name="silo"/> until it accepts, times out or refuses <see cref="Attempts"/> times.</summary>
    private async Task CheckAsync(SiloAddress silo)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            for (var attempt = 1; attempt <= Attempts; attempt++)
            {
                if (attempt > 1)
                {
                    await Task.Delay(Pause, _stopping.Token);
                }

                if (await ConnectAsync(silo.Endpoint, _stopping.Token) != SocketError.ConnectionRefused)
                {
                    return;
                }
            }

            // Still active in this silo's view (not stopping gracefully, not declared dead meanwhile).
            if (_stopping.IsCancellationRequested || membership.CurrentSnapshot.GetSiloStatus(silo) != SiloStatus.Active)
            {
                return;
            }

            LogDeclaringDead(logger, silo, Attempts, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await membership.TryKill(silo);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            LogCheckFailed(logger, silo, exception);
        }
        finally
        {
            _checking.TryRemove(silo, out _);
        }
    }

    /// <summary>Success, <see cref="SocketError.ConnectionRefused"/>, or another error (a timeout among them).</summary>
    internal static async Task<SocketError> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(endPoint, timeout.Token);

            // Accepted: close at once with a reset, so the silo's listener sees a connection that never spoke.
            socket.LingerState = new LingerOption(true, 0);
            return SocketError.Success;
        }
        catch (SocketException exception)
        {
            return exception.SocketErrorCode;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return SocketError.TimedOut;
        }
    }

    private static bool SameEndPoint(IPEndPoint a, IPEndPoint b) =>
        a.Port == b.Port && (a.Address.Equals(b.Address) || a.Address.MapToIPv6().Equals(b.Address.MapToIPv6()));

    /// <summary>
    /// The silo at the other end of Orleans' (internal) <c>Terminated</c> event's connection: its
    /// <c>RemoteSiloAddress</c> (silo connections, both ways) or, failing that, its <c>RemoteEndPoint</c> (outbound).
    /// </summary>
    private (SiloAddress? Silo, IPEndPoint? EndPoint) RemoteOf(object payload)
    {
        try
        {
            var connection = _connectionOf.GetOrAdd(payload.GetType(), static type =>
                type.GetField("Connection", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance) is { } field ? field.GetValue : null) is { } read
                ? read(payload)
                : null;
            if (connection is null)
            {
                LogUnreadableOnce(payload.GetType());
                return (null, null);
            }

            var (siloProperty, endPointProperty) = _remoteOf.GetOrAdd(connection.GetType(), static type => (
                type.GetProperty("RemoteSiloAddress", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance),
                type.GetProperty("RemoteEndPoint", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)));
            var silo = siloProperty?.GetValue(connection) as SiloAddress;
            var endPoint = endPointProperty?.GetValue(connection) as IPEndPoint;
            if (silo is null && endPoint is null && siloProperty is null && endPointProperty is null)
            {
                LogUnreadableOnce(connection.GetType());
            }

            return (silo, endPoint);
        }
        catch (Exception exception) when (exception is TargetInvocationException or ObjectDisposedException or InvalidOperationException)
        {
            return (null, null);
        }
    }

    private void LogUnreadableOnce(Type type)
    {
        if (!_unreadableLogged)
        {
            _unreadableLogged = true;
            LogUnreadable(logger, type.FullName ?? type.Name);
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silo} refused {Attempts} connections in a row over {Milliseconds:F0} ms: its process is gone; declaring it dead")]
    private static partial void LogDeclaringDead(ILogger logger, SiloAddress silo, int attempts, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking whether silo {Silo} still listens failed; Orleans' probes decide")]
    private static partial void LogCheckFailed(ILogger logger, SiloAddress silo, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Orleans' connection event {Type} has no readable remote endpoint; a killed silo is left to Orleans' probes")]
    private static partial void LogUnreadable(ILogger logger, string type);
}
