using System.Net;
using KinesisGrains.Clustering.DynamoDB;
using KinesisGrains.Abstractions.KeyedState;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace KinesisGrains.Client;

/// <summary>
/// An Orleans cluster client connected to silos' gateways: <c>connection.Client.GetGrain&lt;IUserActivity&gt;("user-42")</c>
/// reaches the key's grain wherever it lives. Dispose to disconnect.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterConnection(IHost host)
    {
        _host = host;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    public IClusterClient Client { get; }

    /// <summary>
    /// The grain of state key <paramref name="key"/>: <c>connection.GetGrain&lt;IUserActivity&gt;("user-42")</c>; keys Orleans
    /// refuses as grain keys (<c>" "</c>) are escaped, as <see cref="KeyedGrainExtensions.GetKeyedGrain{TGrain}"/> does.
    /// </summary>
    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey =>
        Client.GetKeyedGrain<TGrainInterface>(key);

    /// <summary>
    /// Calls the cluster through <see cref="Client"/>, retrying while a silo fails over (see <see cref="ClusterCallRetry"/>):
    /// <c>await connection.CallAsync(c =&gt; c.GetGrain&lt;IUserActivity&gt;("user-42").GetSummaryAsync())</c>.
    /// </summary>
    public Task<T> CallAsync<T>(Func<IClusterClient, Task<T>> call, CancellationToken cancellationToken = default) =>
        ClusterCallRetry.RunAsync(() => call(Client), cancellationToken: cancellationToken);

    /// <summary>Connects to the gateways on 127.0.0.1 at <paramref name="gatewayPorts"/> (static clustering, as a one-machine cluster runs).</summary>
    public static Task<ClusterConnection> ConnectAsync(IReadOnlyCollection<int> gatewayPorts, string clusterId = "kgrains", string? serviceId = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(gatewayPorts.Select(port => new IPEndPoint(IPAddress.Loopback, port)).ToList(), clusterId, serviceId, cancellationToken);

    /// <summary>Connects to the gateways at <paramref name="gateways"/>.</summary>
    public static Task<ClusterConnection> ConnectAsync(IReadOnlyList<IPEndPoint> gateways, string clusterId, string? serviceId, CancellationToken cancellationToken = default)
    {
        if (gateways.Count == 0)
        {
            throw new ArgumentException("At least one gateway is needed.", nameof(gateways));
        }

        return StartAsync(client => client.UseStaticClustering([.. gateways]), clusterId, serviceId, cancellationToken);
    }

    /// <summary>
    /// Connects to the active silos of cluster <paramref name="clusterId"/> listed in the DynamoDB membership table
    /// <paramref name="tableName"/> (silos with <c>Silo:Clustering=DynamoDB</c>); the list is re-read as silos come and go.
    /// </summary>
    /// <param name="serviceUrlOrRegion">A DynamoDB endpoint URL (an emulator) or an AWS region such as <c>us-east-1</c>.</param>
    /// <param name="configure">More table settings: credentials (<c>AccessKey</c>, <c>SecretKey</c>, <c>ProfileName</c>); default: the AWS default chain, or any key for an emulator on 127.0.0.1.</param>
    public static Task<ClusterConnection> ConnectDynamoDBAsync(
        string serviceUrlOrRegion,
        string tableName = DynamoDBSiloTableOptions.DefaultTableName,
        string clusterId = "kgrains",
        string? serviceId = null,
        Action<DynamoDBGatewayOptions>? configure = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceUrlOrRegion);
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        return StartAsync(
            client => client.UseDynamoDBClustering(options =>
            {
                options.Service = serviceUrlOrRegion;
                options.TableName = tableName;
                options.CreateIfNotExists = false;
                options.UpdateIfExists = false;
                configure?.Invoke(options);
            }),
            clusterId,
            serviceId,
            cancellationToken);
    }

    private static async Task<ClusterConnection> StartAsync(Action<IClientBuilder> clustering, string clusterId, string? serviceId, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // Logs go to stderr: stdout belongs to the application (kgrains --json prints JSON there).
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.UseOrleansClient(client =>
        {
            clustering(client);

            // A call sent to a silo that has just died is never answered: give up on it after 10 s rather than Orleans'
            // 30 s, so CallAsync's retry reaches the grain's new home sooner.
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = serviceId ?? o.ServiceId;
            });
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new ClusterConnection(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
