using System.Text.Json;
using DeviceReadings;
using KinesisGrains.Abstractions.DeadLetters;
using KinesisGrains.KeyedState;
using KinesisGrains.KeyedState.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// dotnet run                           a silo that reads the stream into per-device aggregates
// dotnet run -- query device-1 ...     prints devices' aggregates, asked of that silo through an Orleans client
// Settings come from the environment (Stream, Partitions, Kinesis__ServiceUrl, DynamoDB__ServiceUrl, DataDirectory,
// SiloPort, GatewayPort); the defaults suit the local emulators. Credentials: the AWS default chain
// (AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local for the emulators).
var query = args is ["query", ..];
var builder = Host.CreateApplicationBuilder(query ? [] : args);
var config = builder.Configuration;
var gatewayPort = config.GetValue("GatewayPort", 30000);

if (query)
{
    builder.UseOrleansClient(client => client.UseLocalhostClustering(gatewayPort));
    using var clientHost = builder.Build();
    await clientHost.StartAsync();
    var client = clientHost.Services.GetRequiredService<IClusterClient>();
    foreach (var device in args[1..])
    {
        Console.WriteLine(JsonSerializer.Serialize(await client.GetGrain<IDevice>(device).GetSummaryAsync()));
    }

    await clientHost.StopAsync();
    return;
}

var partitions = config.GetValue("Partitions", 4);
var data = config["DataDirectory"] ?? Path.Combine(Path.GetTempPath(), "device-readings");

// <silo>
builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(config.GetValue("SiloPort", 11111), gatewayPort);

    // Per-device state in RocksDB; each Kinesis record is applied to it exactly once.
    silo.AddKeyedState(new KeyedStateOptions { PartitionCount = partitions }, new PartitionStoreOptions(), Path.Combine(data, "state"))
        .AddKeyedStatePartition<DeviceStatsPartitionGrain>();

    // The stream: each record's JSON becomes a Reading for the partition of its partition key (the device id).
    silo.AddKinesisStreams<Reading>("readings", o =>
    {
        o.ApplicationName = "device-readings";
        o.StreamNamespace = IDeviceStatsPartition.StreamNamespace;
        o.PartitionCount = partitions;
        o.Source.StreamName = config["Stream"] ?? "readings";
        o.Source.InitialPosition = "TRIM_HORIZON";
        o.Client.ServiceUrl = new Uri(config["Kinesis:ServiceUrl"] ?? "http://127.0.0.1:4567");
        o.DynamoDB.ServiceUrl = new Uri(config["DynamoDB:ServiceUrl"] ?? "http://127.0.0.1:8000");
        o.SpillDirectory = Path.Combine(data, "spill");
    });

    // Records that are not a Reading go here, and processing goes on.
    silo.Services.AddSingleton<IDeadLetterQueue>(new LocalDeadLetterQueue(Path.Combine(data, "dead-letters")));
});
// </silo>

using var host = builder.Build();
await host.StartAsync();
Console.WriteLine($"DeviceReadings silo started: gateway port {gatewayPort}, {partitions} partitions");
await host.WaitForShutdownAsync();
