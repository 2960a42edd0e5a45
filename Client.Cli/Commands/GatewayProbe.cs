using System.Net;
using System.Net.Sockets;
using KinesisGrains.Client;

namespace KinesisGrains.Cli.Commands;

/// <summary>
/// Fails fast, in one sentence, when no silo listens: an Orleans client otherwise retries its gateways for ever and logs
/// a warning with a stack trace per attempt.
/// </summary>
internal static class GatewayProbe
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    public static async Task EnsureAnyListensAsync(IReadOnlyCollection<int> ports, CancellationToken cancellationToken)
    {
        foreach (var port in ports)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), limit.Token);
                return;
            }
            catch (Exception exception) when (exception is SocketException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // try the next gateway
            }
        }

        throw CliException.Runtime($"no Orleans gateway listens on 127.0.0.1:{string.Join(',', ports)}; is a silo running, and is --gateway its gateway port?");
    }

    public static async Task<ClusterConnection> WithinConnectTimeoutAsync(Task<ClusterConnection> connecting, string target, CancellationToken cancellationToken)
    {
        try
        {
            return await connecting.WaitAsync(ConnectTimeout, cancellationToken);
        }
        catch (TimeoutException exception)
        {
            throw CliException.Runtime($"could not connect to {target} within {ConnectTimeout.TotalSeconds:F0} s.", exception);
        }
    }
}
