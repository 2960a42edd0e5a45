using System.Diagnostics.Metrics;
using System.Net;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.Clustering.DynamoDB;
using KinesisGrains.DynamoDB.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.DynamoDB.Tests.Membership;

/// <summary>The <see cref="IMembershipTable"/> contract of <see cref="DynamoDBMembershipTable"/> against dynalite.</summary>
public sealed class MembershipTableTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>, IDisposable
{
    private const string Table = "silo-instances";

    private readonly List<DynamoDBMembershipTable> _tables = [];
    private int _nextPort = 20000;

    [Fact]
    public async Task A_new_cluster_starts_at_version_zero_and_a_second_initialization_keeps_what_is_there()
    {
        var cluster = NewClusterId();
        var table = await NewTableAsync(cluster);

        var empty = await table.ReadAll();
        Assert.Empty(empty.Members);
        Assert.Equal(new TableVersion(0, "0"), empty.Version);

        Assert.True(await table.InsertRow(NewEntry(SiloStatus.Joining), empty.Version.Next()));
        await (await NewTableAsync(cluster)).InitializeMembershipTable(true);

        var after = await table.ReadAll();
        Assert.Single(after.Members);
        Assert.Equal(1, after.Version.Version);

        // The version row sits where Orleans.Clustering.DynamoDB puts it.
        var versionRow = await ItemAsync(cluster, "VersionRow");
        Assert.NotNull(versionRow);
        Assert.Equal("1", versionRow["MembershipVersion"].N);
        Assert.Equal(after.Version.VersionEtag, versionRow["ETag"].N);
    }

    [Fact]
    public async Task Inserted_entries_read_back_whole_with_the_upstream_item_layout()
    {
        var cluster = NewClusterId();
        var table = await NewTableAsync(cluster);
        var entry = NewEntry(SiloStatus.Active);
        var suspector = SiloAddress.New(IPAddress.Loopback, 1234, 7);
        entry.AddSuspector(suspector, Truncate(DateTime.UtcNow.AddSeconds(-3)));

        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));

        var data = await table.ReadAll();
        var (read, etag) = Assert.Single(data.Members);
        Assert.Equal(1, data.Version.Version);
        Assert.Equal(entry.SiloAddress, read.SiloAddress);
        Assert.Equal(SiloStatus.Active, read.Status);
        Assert.Equal(entry.ProxyPort, read.ProxyPort);
        Assert.Equal(entry.HostName, read.HostName);
        Assert.Equal(entry.SiloName, read.SiloName);
        Assert.Equal(entry.StartTime, read.StartTime);
        Assert.Equal(entry.IAmAliveTime, read.IAmAliveTime);
        var (suspecting, time) = Assert.Single(read.SuspectTimes!);
        Assert.Equal(suspector, suspecting);
        Assert.Equal(entry.SuspectTimes![0].Item2, time);

        var item = (await ItemAsync(cluster, $"127.0.0.1-{entry.SiloAddress.Endpoint.Port}-{entry.SiloAddress.Generation}"))!;
        Assert.Equal(cluster, item["DeploymentId"].S);
        Assert.Equal("127.0.0.1", item["Address"].S);
        Assert.Equal(((int)SiloStatus.Active).ToString(), item["SiloStatus"].N);
        Assert.Equal(entry.ProxyPort.ToString(), item["ProxyPort"].N);
        Assert.Equal(etag, item["ETag"].N);
        Assert.Equal("1", item["MembershipVersion"].N);
        Assert.Equal(suspector.ToParsableString(), item["SuspectingSilos"].S);
        Assert.Equal(entry.SiloName, item["SiloName"].S);
    }

    [Fact]
    public async Task A_second_insert_of_the_same_silo_is_refused_and_changes_nothing()
    {
        var table = await NewTableAsync(NewClusterId());
        var entry = NewEntry(SiloStatus.Joining);
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var before = await table.ReadAll();

        var duplicate = NewEntry(SiloStatus.Active, entry.SiloAddress);
        Assert.False(await table.InsertRow(duplicate, before.Version.Next()));

        var after = await table.ReadAll();
        var (read, etag) = Assert.Single(after.Members);
        Assert.Equal(SiloStatus.Joining, read.Status);
        Assert.Equal(before.Members[0].Item2, etag);
    }

    [Fact]
    public async Task Writes_with_a_stale_table_version_are_refused()
    {
        var table = await NewTableAsync(NewClusterId());
        var stale = (await table.ReadAll()).Version;
        Assert.True(await table.InsertRow(NewEntry(SiloStatus.Joining), stale.Next()));

        Assert.False(await table.InsertRow(NewEntry(SiloStatus.Joining), stale.Next()));

        var data = await table.ReadAll();
        var (entry, etag) = Assert.Single(data.Members);
        entry.Status = SiloStatus.Active;
        Assert.False(await table.UpdateRow(entry, etag, stale.Next()));
        Assert.Equal(SiloStatus.Joining, Assert.Single((await table.ReadAll()).Members).Item1.Status);
    }

    [Fact]
    public async Task An_update_with_a_stale_entry_etag_is_refused_and_one_with_the_current_etag_lands()
    {
        var table = await NewTableAsync(NewClusterId());
        Assert.True(await table.InsertRow(NewEntry(SiloStatus.Joining), (await table.ReadAll()).Version.Next()));
        var first = await table.ReadAll();
        var (entry, staleEtag) = first.Members[0];
        entry.Status = SiloStatus.Active;
        Assert.True(await table.UpdateRow(entry, staleEtag, first.Version.Next()));

        var second = await table.ReadAll();
        Assert.Equal(2, second.Version.Version);
        Assert.NotEqual(staleEtag, second.Members[0].Item2);
        entry.Status = SiloStatus.Dead;
        Assert.False(await table.UpdateRow(entry, staleEtag, second.Version.Next()));
        Assert.False(await table.UpdateRow(entry, "not-a-number", second.Version.Next()));

        var third = await table.ReadAll();
        Assert.Equal(SiloStatus.Active, third.Members[0].Item1.Status);
        Assert.Equal(second.Members[0].Item2, third.Members[0].Item2);
        Assert.True(third.Version.Version >= second.Version.Version);
    }

    [Fact]
    public async Task Of_writers_racing_on_one_version_exactly_one_wins()
    {
        var cluster = NewClusterId();
        var tables = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => NewTableAsync(cluster)));
        var version = (await tables[0].ReadAll()).Version.Next();

        var results = await Task.WhenAll(tables.Select(t => t.InsertRow(NewEntry(SiloStatus.Joining), version)));

        Assert.Single(results, won => won);
        var data = await tables[0].ReadAll();
        Assert.Single(data.Members);
        Assert.Equal(1, data.Version.Version);
    }

    [Fact]
    public async Task ReadRow_returns_the_silo_and_the_table_version()
    {
        var table = await NewTableAsync(NewClusterId());
        var mine = NewEntry(SiloStatus.Active);
        Assert.True(await table.InsertRow(mine, (await table.ReadAll()).Version.Next()));
        Assert.True(await table.InsertRow(NewEntry(SiloStatus.Active), (await table.ReadAll()).Version.Next()));

        var row = await table.ReadRow(mine.SiloAddress);

        var (entry, _) = Assert.Single(row.Members);
        Assert.Equal(mine.SiloAddress, entry.SiloAddress);
        Assert.Equal(2, row.Version.Version);
        Assert.Empty((await table.ReadRow(SiloAddress.New(IPAddress.Loopback, 1, 1))).Members);
    }

    [Fact]
    public async Task IAmAlive_moves_only_the_alive_time()
    {
        var table = await NewTableAsync(NewClusterId());
        var entry = NewEntry(SiloStatus.Active);
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var before = await table.ReadAll();

        var alive = Truncate(DateTime.UtcNow.AddMinutes(1));
        await table.UpdateIAmAlive(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = alive });

        var after = await table.ReadAll();
        Assert.Equal(alive, after.Members[0].Item1.IAmAliveTime);
        Assert.Equal(before.Members[0].Item2, after.Members[0].Item2);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(SiloStatus.Active, after.Members[0].Item1.Status);

        // A silo without an entry cannot announce itself this way.
        await Assert.ThrowsAsync<ConditionalCheckFailedException>(() =>
            table.UpdateIAmAlive(new MembershipEntry { SiloAddress = SiloAddress.New(IPAddress.Loopback, 2, 2), IAmAliveTime = alive }));
    }

    [Fact]
    public async Task Cleanup_deletes_only_silos_that_are_not_active_and_silent_since_the_date()
    {
        var table = await NewTableAsync(NewClusterId());
        var old = Truncate(DateTime.UtcNow.AddHours(-2));
        var deadOld = NewEntry(SiloStatus.Dead, alive: old);
        var activeOld = NewEntry(SiloStatus.Active, alive: old);
        var deadRecent = NewEntry(SiloStatus.Dead);
        foreach (var entry in new[] { deadOld, activeOld, deadRecent })
        {
            Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        }

        await table.CleanupDefunctSiloEntries(DateTimeOffset.UtcNow.AddHours(-1));

        var left = (await table.ReadAll()).Members.Select(m => m.Item1.SiloAddress).ToHashSet();
        Assert.Equal([activeOld.SiloAddress, deadRecent.SiloAddress], left);
    }

    [Fact]
    public async Task Two_clusters_share_a_table_apart_and_deleting_one_leaves_the_other()
    {
        var (a, b) = (NewClusterId(), NewClusterId());
        var tableA = await NewTableAsync(a);
        var tableB = await NewTableAsync(b);
        Assert.True(await tableA.InsertRow(NewEntry(SiloStatus.Active), (await tableA.ReadAll()).Version.Next()));
        Assert.True(await tableA.InsertRow(NewEntry(SiloStatus.Active), (await tableA.ReadAll()).Version.Next()));
        var inB = NewEntry(SiloStatus.Active);
        Assert.True(await tableB.InsertRow(inB, (await tableB.ReadAll()).Version.Next()));

        Assert.Equal(2, (await tableA.ReadAll()).Members.Count);
        var dataB = await tableB.ReadAll();
        Assert.Equal(inB.SiloAddress, Assert.Single(dataB.Members).Item1.SiloAddress);
        Assert.Equal(1, dataB.Version.Version);

        await tableA.DeleteMembershipTableEntries(a);

        Assert.Null(await ItemAsync(a, "VersionRow"));
        await Assert.ThrowsAsync<KeyNotFoundException>(tableA.ReadAll);
        Assert.Single((await tableB.ReadAll()).Members);
    }

    [Fact]
    public async Task A_change_left_half_done_by_a_dead_silo_is_finished_by_the_next_reader()
    {
        var cluster = NewClusterId();
        var table = await NewTableAsync(cluster);
        var entry = NewEntry(SiloStatus.Joining);
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var before = await table.ReadAll();

        // What a silo leaves when it dies right after winning version 2: the change recorded on the version row only.
        var siloIdentity = $"127.0.0.1-{entry.SiloAddress.Endpoint.Port}-{entry.SiloAddress.Generation}";
        var row = (await ItemAsync(cluster, siloIdentity))!;
        var fields = row.Where(kv => kv.Key is not ("DeploymentId" or "SiloIdentity")).ToDictionary();
        fields["SiloStatus"] = new AttributeValue { N = ((int)SiloStatus.Active).ToString() };
        fields["ETag"] = new AttributeValue { N = (int.Parse(before.Members[0].Item2) + 1).ToString() };
        fields["MembershipVersion"] = new AttributeValue { N = "2" };
        await fixture.Client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = new() { ["DeploymentId"] = new(cluster), ["SiloIdentity"] = new("VersionRow") },
            UpdateExpression = "SET MembershipVersion = :v, ETag = :e, PendingSiloIdentity = :s, PendingETag = :p, PendingRow = :r",
            ExpressionAttributeValues = new()
            {
                [":v"] = new AttributeValue { N = "2" },
                [":e"] = new AttributeValue { N = (int.Parse(before.Version.VersionEtag) + 1).ToString() },
                [":s"] = new AttributeValue(siloIdentity),
                [":p"] = new AttributeValue { N = before.Members[0].Item2 },
                [":r"] = new AttributeValue { M = fields },
            },
        });

        // Until the change is finished no other change can win version 2.
        Assert.False(await table.InsertRow(NewEntry(SiloStatus.Joining), before.Version.Next()));

        long finished = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "kgrains.membership.pending_writes_finished")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref finished, value));
        listener.Start();

        var after = await (await NewTableAsync(cluster)).ReadAll();
        Assert.True(Interlocked.Read(ref finished) >= 1, "the reader counts the change it finished");
        Assert.Equal(2, after.Version.Version);
        Assert.Equal(SiloStatus.Active, Assert.Single(after.Members).Item1.Status);
        Assert.False((await ItemAsync(cluster, "VersionRow"))!.ContainsKey("PendingSiloIdentity"));
        Assert.True(await table.InsertRow(NewEntry(SiloStatus.Joining), after.Version.Next()));
    }

    public void Dispose()
    {
        foreach (var table in _tables)
        {
            table.Dispose();
        }
    }

    private async Task<DynamoDBMembershipTable> NewTableAsync(string clusterId)
    {
        var table = new DynamoDBMembershipTable(
            Microsoft.Extensions.Options.Options.Create(new DynamoDBClusteringOptions
            {
                Service = fixture.Endpoint,
                TableName = Table,
                UseProvisionedThroughput = false,
            }),
            Microsoft.Extensions.Options.Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "tests" }),
            NullLogger<DynamoDBMembershipTable>.Instance);
        _tables.Add(table);
        await table.InitializeMembershipTable(true);
        return table;
    }

    private MembershipEntry NewEntry(SiloStatus status, SiloAddress? address = null, DateTime? alive = null)
    {
        var port = Interlocked.Increment(ref _nextPort);
        address ??= SiloAddress.New(IPAddress.Loopback, port, SiloAddress.AllocateNewGeneration());
        return new MembershipEntry
        {
            SiloAddress = address,
            Status = status,
            ProxyPort = port + 10000,
            HostName = "host-" + port,
            SiloName = "silo-" + port,
            StartTime = Truncate(DateTime.UtcNow.AddMinutes(-1)),
            IAmAliveTime = alive ?? Truncate(DateTime.UtcNow),
        };
    }

    private async Task<Dictionary<string, AttributeValue>?> ItemAsync(string clusterId, string siloIdentity)
    {
        var response = await fixture.Client.GetItemAsync(new GetItemRequest
        {
            TableName = Table,
            Key = new() { ["DeploymentId"] = new(clusterId), ["SiloIdentity"] = new(siloIdentity) },
            ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? item : null;
    }

    private static string NewClusterId() => "cluster-" + Guid.NewGuid().ToString("N")[..8];

    // The table keeps times to the millisecond, as upstream.
    private static DateTime Truncate(DateTime time) => new(time.Ticks - time.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
}
