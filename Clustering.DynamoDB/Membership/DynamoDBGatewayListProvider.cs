using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.DynamoDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime;

namespace KinesisGrains.Clustering.DynamoDB;

/// <summary>A client's gateways: the gateway endpoints of the active silos of its cluster in the silo instance table.</summary>
internal sealed partial class DynamoDBGatewayListProvider(
    IOptions<DynamoDBGatewayOptions> options,
    IOptions<ClusterOptions> clusterOptions,
    IOptions<GatewayOptions> gatewayOptions,
    ILogger<DynamoDBGatewayListProvider> logger) : IGatewayListProvider, IDisposable
{
    private readonly DynamoDBGatewayOptions _options = options.Value;
    private readonly string _clusterId = clusterOptions.Value.ClusterId;
    private IAmazonDynamoDB? _dynamo;

    /// <inheritdoc />
    public TimeSpan MaxStaleness { get; } = gatewayOptions.Value.GatewayListRefreshPeriod;

    /// <inheritdoc />
    public bool IsUpdatable => true;

    /// <inheritdoc />
    public async Task InitializeGatewayListProvider()
    {
        _dynamo ??= DynamoDBClientFactory.Create(_options);
        await SiloInstanceTable.EnsureAsync(_dynamo, _options, logger, CancellationToken.None);
    }

    /// <inheritdoc />
    public async Task<IList<Uri>> GetGateways()
    {
        var dynamo = _dynamo ?? throw new InvalidOperationException("The gateway list is read before InitializeGatewayListProvider.");
        var gateways = new List<Uri>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            // A query of the cluster's partition, where upstream scans the whole table.
            var response = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = _options.TableName,
                KeyConditionExpression = "DeploymentId = :cluster",
                FilterExpression = "SiloStatus = :active AND ProxyPort > :none",
                ExpressionAttributeValues = new()
                {
                    [":cluster"] = new AttributeValue(_clusterId),
                    [":active"] = SiloInstanceRecord.Number((int)SiloStatus.Active),
                    [":none"] = SiloInstanceRecord.Number(0),
                },
                ConsistentRead = true,
                ExclusiveStartKey = start,
            });
            foreach (var item in response.Items ?? [])
            {
                if (item.TryGetValue(SiloInstanceRecord.AddressAttribute, out var address) && IPAddress.TryParse(address.S, out var ip))
                {
                    gateways.Add(SiloAddress.New(
                        ip,
                        SiloInstanceRecord.Int(item, SiloInstanceRecord.ProxyPortAttribute),
                        SiloInstanceRecord.Int(item, SiloInstanceRecord.GenerationAttribute)).ToGatewayUri());
                }
            }

            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        LogDebugGateways(logger, gateways.Count, _clusterId, _options.TableName);
        return gateways;
    }

    public void Dispose() => _dynamo?.Dispose();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Found {Count} gateways of cluster {ClusterId} in DynamoDB table {Table}")]
    private static partial void LogDebugGateways(ILogger logger, int count, string clusterId, string table);
}
