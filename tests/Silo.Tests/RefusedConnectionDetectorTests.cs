using System.Net;
using System.Net.Sockets;
using KinesisGrains.Silo.Hosting;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>What the silo's own connection attempt tells a gone process from a paused one by.</summary>
public sealed class RefusedConnectionDetectorTests
{
    [Fact]
    public async Task A_port_nobody_listens_on_refuses_at_once()
    {
        // A port that was bound and is closed again: as a killed silo leaves its silo port.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endPoint = (IPEndPoint)listener.LocalEndpoint;
        listener.Stop();

        Assert.Equal(SocketError.ConnectionRefused, await RefusedConnectionDetector.ConnectAsync(endPoint, CancellationToken.None));
    }

    [Fact]
    public async Task A_listener_that_never_accepts_still_completes_the_handshake()
    {
        // Like a paused process (GC pause, SIGSTOP): the socket listens, nobody calls accept; the kernel answers.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(backlog: 16);
        try
        {
            for (var i = 0; i < RefusedConnectionDetector.Attempts; i++)
            {
                Assert.Equal(SocketError.Success, await RefusedConnectionDetector.ConnectAsync((IPEndPoint)listener.LocalEndpoint, CancellationToken.None));
            }
        }
        finally
        {
            listener.Stop();
        }
    }
}
