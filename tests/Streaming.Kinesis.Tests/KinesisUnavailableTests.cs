using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Tests.Support;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>Real sockets: a port nothing listens on, and a server that never answers.</summary>
public sealed class KinesisUnavailableTests
{
    [Fact]
    public async Task A_closed_port_gives_KinesisUnavailableException_quickly()
    {
        var port = FreePort();
        var options = TestOptions.For(new Uri($"http://127.0.0.1:{port}"));
        options.RequestTimeout = TimeSpan.FromSeconds(2);
        options.RetryBaseDelay = TimeSpan.FromMilliseconds(50);
        using var client = new KinesisClient(options);
        var stopwatch = Stopwatch.StartNew();

        var exception = await Assert.ThrowsAsync<KinesisUnavailableException>(() => client.DescribeStreamSummaryAsync("orders"));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
        Assert.Contains($"Kinesis endpoint http://127.0.0.1:{port}/ could not be reached (Connection refused) after 3 attempts", exception.Message);
        Assert.Equal(3, exception.Attempts);
        Assert.Equal(new Uri($"http://127.0.0.1:{port}/"), exception.Endpoint);
        Assert.Equal("EndpointUnavailable", exception.ErrorCode);
        Assert.Null(exception.StatusCode);
        Assert.IsType<HttpRequestException>(exception.InnerException);
        Assert.DoesNotContain(TestOptions.SecretAccessKey, exception.ToString());
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_per_attempt()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = new List<Socket>();
        var accepting = AcceptForeverAsync(listener, accepted);
        var options = TestOptions.For(new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}"));
        options.RequestTimeout = TimeSpan.FromMilliseconds(300);
        options.MaxAttempts = 2;
        using var client = new KinesisClient(options);
        var stopwatch = Stopwatch.StartNew();

        var exception = await Assert.ThrowsAsync<KinesisUnavailableException>(() => client.ListShardsAsync("orders"));

        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(550), TimeSpan.FromSeconds(10));
        Assert.Contains("no response within 0.3 s", exception.Message);
        Assert.Contains("after 2 attempts", exception.Message);
        Assert.Equal("ListShards", exception.Operation);
        listener.Stop();
        await accepting;
        accepted.ForEach(socket => socket.Dispose());
    }

    [Fact]
    public async Task Caller_cancellation_is_not_reported_as_unavailability()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = new List<Socket>();
        var accepting = AcceptForeverAsync(listener, accepted);
        var options = TestOptions.For(new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}"));
        options.RequestTimeout = TimeSpan.FromSeconds(30);
        using var client = new KinesisClient(options);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var stopwatch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ListShardsAsync("orders", cancellationToken: cancellation.Token));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        listener.Stop();
        await accepting;
        accepted.ForEach(socket => socket.Dispose());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task AcceptForeverAsync(TcpListener listener, List<Socket> accepted)
    {
        try
        {
            while (true)
            {
                accepted.Add(await listener.AcceptSocketAsync());
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // listener stopped
        }
    }
}
