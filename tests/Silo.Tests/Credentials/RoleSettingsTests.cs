using Amazon.DynamoDBv2.Model;
using KinesisGrains.Aws;
using KinesisGrains.DynamoDB;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Silo.Configuration;
using KinesisGrains.Sinks;
using KinesisGrains.Sinks.Delta;
using KinesisGrains.Testing;
using KinesisGrains.Testing.Sts;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace KinesisGrains.Tests.Credentials;

/// <summary>
/// <c>Kinesis:RoleArn</c>, <c>DynamoDB:RoleArn</c> and <c>Snapshots:RoleArn</c> as a silo binds them: each section's
/// clients (and the sinks that start from it) sign with the role's keys, asked of STS with the section's own keys.
/// </summary>
public sealed class RoleSettingsTests : IDisposable
{
    private const string KinesisRole = "arn:aws:iam::123456789012:role/stream-reader";
    private const string TablesRole = "arn:aws:iam::210987654321:role/lease-writer";
    private readonly EmulatorEnvironment _emulators = EmulatorEnvironment.Start("kinesalite", "dynalite");

    public void Dispose() => _emulators.Dispose();

    [Fact]
    public async Task Each_sections_clients_call_the_service_with_their_own_role()
    {
        await using var sts = await StsStandIn.StartAsync();
        var silo = Bind(sts,
            ("Kinesis:RoleArn", KinesisRole),
            ("Kinesis:ExternalId", "partner-7"),
            ("DynamoDB:RoleArn", TablesRole),
            ("DynamoDB:RoleSessionName", "leases"));
        Assert.Empty(silo.Validate());

        using var kinesis = new KinesisClient(silo.KinesisClient);
        await kinesis.CreateStreamAsync("role-stream", 1);
        using var dynamo = DynamoDBClientFactory.Create(silo.DynamoDB);
        await dynamo.ListTablesAsync(new ListTablesRequest());

        // Two sections, two roles, each asked once (before the first call) with its section's keys.
        var calls = sts.Requests.OrderBy(r => r["RoleArn"], StringComparer.Ordinal).ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal((KinesisRole, "partner-7", "AKIDSTREAM"), (calls[0]["RoleArn"], calls[0]["ExternalId"], calls[0].SigningKeyId));
        Assert.Equal((TablesRole, "leases", "AKIDTABLES"), (calls[1]["RoleArn"], calls[1]["RoleSessionName"], calls[1].SigningKeyId));
        Assert.Equal(KinesisRole, Assert.IsType<AssumedRoleCredentials>(silo.KinesisClient.Credentials).RoleArn);
    }

    [Fact]
    public async Task Sinks_sign_like_the_section_they_start_from_unless_they_have_keys_of_their_own()
    {
        await using var sts = await StsStandIn.StartAsync();
        var silo = Bind(sts,
            ("Snapshots:Bucket", "state"),
            ("Snapshots:ServiceUrl", "http://127.0.0.1:4569"),
            ("Snapshots:RoleArn", "arn:aws:iam::123456789012:role/snapshots"),
            ("DynamoDB:RoleArn", TablesRole),
            ("Sinks:clicks:Type", "Delta"),
            ("Sinks:clicks:StateName", "user-activity"),
            ("Sinks:users:Type", "DynamoDB"),
            ("Sinks:users:StateName", "user-activity"),
            ("Sinks:users:Table", "users"),
            ("Sinks:audit:Type", "DynamoDB"),
            ("Sinks:audit:StateName", "user-activity"),
            ("Sinks:audit:Table", "audit"),
            ("Sinks:audit:AccessKeyId", "AKIDAUDIT"),
            ("Sinks:audit:SecretAccessKey", "audit-secret"));

        Assert.Empty(silo.Validate());
        Assert.Same(silo.Snapshots.Credentials, Assert.IsType<DeltaSinkOptions>(silo.Sinks.Single(s => s.Name == "clicks").Options).Credentials);
        Assert.Same(silo.DynamoDB.Credentials, Assert.IsAssignableFrom<AwsRowSinkOptions>(silo.Sinks.Single(s => s.Name == "users").Options).Credentials);
        Assert.Null(Assert.IsAssignableFrom<AwsRowSinkOptions>(silo.Sinks.Single(s => s.Name == "audit").Options).Credentials);
        Assert.Equal("arn:aws:iam::123456789012:role/snapshots", Assert.IsType<AssumedRoleCredentials>(silo.Snapshots.Credentials).RoleArn);
        Assert.Empty(sts.Requests);   // nothing is asked before a client signs
    }

    [Fact]
    public void A_bad_role_setting_stops_the_silo_with_the_key_named()
    {
        var silo = SiloConfiguration.Bind(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Silo:ApplicationName"] = "orders-app",
            ["Kinesis:StreamName"] = "orders",
            ["Kinesis:RoleArn"] = "stream-reader",
            ["Snapshots:ExternalId"] = "partner-7",
        }).Build());

        var problems = silo.Validate();

        Assert.Contains(problems, p => p.StartsWith("Kinesis:RoleArn must be an IAM role ARN", StringComparison.Ordinal));
        Assert.Contains("Snapshots:ExternalId, RoleSessionName and WebIdentityTokenFile need Snapshots:RoleArn.", problems);
    }

    private SiloConfiguration Bind(StsStandIn sts, params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Silo:ApplicationName"] = "orders-app",
            ["Kinesis:StreamName"] = "orders",
            ["Kinesis:ServiceUrl"] = _emulators.Kinesis.ToString(),
            ["Kinesis:AccessKeyId"] = "AKIDSTREAM",
            ["Kinesis:SecretAccessKey"] = "stream-secret",
            ["Kinesis:StsServiceUrl"] = sts.Endpoint.ToString(),
            ["DynamoDB:ServiceUrl"] = _emulators.DynamoDB.ToString(),
            ["DynamoDB:AccessKeyId"] = "AKIDTABLES",
            ["DynamoDB:SecretAccessKey"] = "tables-secret",
            ["DynamoDB:StsServiceUrl"] = sts.Endpoint.ToString(),
            ["Snapshots:StsServiceUrl"] = sts.Endpoint.ToString(),
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        return SiloConfiguration.Bind(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
    }
}
