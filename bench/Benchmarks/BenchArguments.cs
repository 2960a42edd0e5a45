using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KinesisGrains.Benchmarks;

/// <summary>The few things every benchmark subcommand reads from its arguments, and a free local port.</summary>
internal static class BenchArguments
{
    public static int Option(string[] args, string name, int fallback) =>
        Value(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public static string Text(string[] args, string name, string fallback) => Value(args, name) ?? fallback;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? Value(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
