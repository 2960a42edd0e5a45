using System.Net;
using System.Reflection;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using KinesisGrains.Sinks.Delta;
using KinesisGrains.Testing.Delta;
using KinesisGrains.Tests.Delta.Support;
using Xunit;

namespace KinesisGrains.Tests.Delta;

public sealed class DeltaLogStoreRaceTests(DeltaEmulatorFixture emulators) : IClassFixture<DeltaEmulatorFixture>
{
    [Fact]
    public async Task Two_writers_on_the_DynamoDB_log_store_never_share_a_version_and_lose_no_rows()
    {
        var storage = await emulators.NewTableStorageAsync();
        var logTable = $"delta_log_{Guid.NewGuid():N}";

        // Two writers as two processes would be: their own S3 clients, stores and snapshots.
        var storageA = new DeltaTableStorage(emulators.NewS3Client(), storage.Bucket, storage.Root);
        var storageB = new DeltaTableStorage(emulators.NewS3Client(), storage.Bucket, storage.Root);
        var a = new DeltaTable(storageA, emulators.DynamoDBLogStore(storageA, logTable), new DeltaTableOptions { CheckpointInterval = 5 }, TestRows.Definition());
        var b = new DeltaTable(storageB, emulators.DynamoDBLogStore(storageB, logTable), new DeltaTableOptions { CheckpointInterval = 5 }, TestRows.Definition());
        await a.CommitAsync([new DeltaTxnPart("a", 0, await a.WriteFilesAsync(TestRows.Rows(0, 2), default))], default);
        await b.RefreshAsync(default);

        // Deterministic race first: A takes version 1, B (which last saw 0) tries 1, loses, reads it and takes 2.
        Assert.Equal(1, (await a.CommitAsync([new DeltaTxnPart("a", 1, await a.WriteFilesAsync(TestRows.Rows(2, 2), default))], default)).Version);
        var lost = await b.CommitAsync([new DeltaTxnPart("b", 1, await b.WriteFilesAsync(TestRows.Rows(4, 2), default))], default);
        Assert.Equal(2, lost.Version);
        Assert.Equal(2, lost.Attempts);

        // Then both at once, many times over.
        var next = 6;
        async Task Writer(DeltaTable table, string appId)
        {
            for (var epoch = 2; epoch < 12; epoch++)
            {
                var first = Interlocked.Add(ref next, 3) - 3;
                var result = await table.CommitAsync([new DeltaTxnPart(appId, epoch, await table.WriteFilesAsync(TestRows.Rows(first, 3), default))], default);
                Assert.True(Assert.Single(result.Parts).CommittedNow);
            }
        }

        await Task.WhenAll(Writer(a, "a"), Writer(b, "b"));

        using var reader = await IndependentDeltaReader.LoadAsync(emulators.S3, storage.Bucket, storage.Root);
        Assert.Equal(Enumerable.Range(0, 23).Select(v => (long)v), reader.Commits.Keys);
        Assert.All(reader.Commits.Values, actions => Assert.Single(actions, x => x.TryGetProperty("txn", out _)));
        Assert.Equal(11, reader.Txns["a"]);
        Assert.Equal(11, reader.Txns["b"]);
        using var duck = reader.OpenDuckDB();
        Assert.Equal(next, Convert.ToInt32(IndependentDeltaReader.Scalar(duck, "SELECT count(*) FROM t")));
        Assert.Equal(next, Convert.ToInt32(IndependentDeltaReader.Scalar(duck, "SELECT count(DISTINCT \"user\") FROM t")));

        // Every entry the writers made is complete, with an expiry, in delta-io's layout.
        var items = (await emulators.DynamoDB.ScanAsync(new ScanRequest { TableName = logTable })).Items;
        Assert.Equal(23, items.Count);
        Assert.All(items, item =>
        {
            Assert.Equal(storage.Uri, item["tablePath"].S);
            Assert.Equal("true", item["complete"].S);
            Assert.NotNull(item["expireTime"].N);
            Assert.StartsWith($".tmp/{item["fileName"].S}.", item["tempPath"].S);
        });
    }

    [Fact]
    public async Task A_commit_whose_writer_died_before_copying_is_completed_by_the_next_reader()
    {
        var storage = await emulators.NewTableStorageAsync();
        var logTable = $"delta_log_{Guid.NewGuid():N}";
        var table = new DeltaTable(storage, emulators.DynamoDBLogStore(storage, logTable), definition: TestRows.Definition());
        await table.CommitAsync([new DeltaTxnPart("a", 1, await table.WriteFilesAsync(TestRows.Rows(0, 2), default))], default);

        // A writer won version 1 in DynamoDB and wrote its temporary file, then died before N.json.
        var commit = """
            {"commitInfo":{"operation":"STREAMING UPDATE"}}
            {"txn":{"appId":"dead","version":5,"lastUpdated":1}}
            """u8.ToArray();
        await storage.PutAsync("_delta_log/.tmp/00000000000000000001.json.dead", commit, default);
        await emulators.DynamoDB.PutItemAsync(new PutItemRequest
        {
            TableName = logTable,
            Item = new()
            {
                ["tablePath"] = new() { S = storage.Uri },
                ["fileName"] = new() { S = "00000000000000000001.json" },
                ["tempPath"] = new() { S = ".tmp/00000000000000000001.json.dead" },
                ["complete"] = new() { S = "false" },
            },
        });
        Assert.False(await storage.ExistsAsync(DeltaLogPaths.Commit(1), default));

        var reader = new DeltaTable(storage, emulators.DynamoDBLogStore(storage, logTable), definition: TestRows.Definition());
        Assert.Equal(5, await reader.TxnVersionAsync("dead", refresh: true, default));
        Assert.Equal(commit, await storage.GetAsync(DeltaLogPaths.Commit(1), default));

        // And the first writer, which last saw version 0, loses version 1 and commits on top.
        var result = await table.CommitAsync([new DeltaTxnPart("a", 2, [])], default);
        Assert.Equal(2, result.Version);
    }

    [Fact]
    public async Task The_S3_log_store_retries_on_top_when_a_conditional_put_is_refused()
    {
        // s3rver ignores If-None-Match: this test puts a FAKE in front of it that honours the header as S3 does
        // (412 when the key exists), to check the store's handling of the answer. It proves nothing about S3 itself.
        var storage = await emulators.NewTableStorageAsync();
        var fake = ConditionalPutFake.Wrap(emulators.NewS3Client());
        var storageA = new DeltaTableStorage(fake, storage.Bucket, storage.Root);
        var storageB = new DeltaTableStorage(fake, storage.Bucket, storage.Root);
        var a = new DeltaTable(storageA, new S3DeltaLogStore(storageA), definition: TestRows.Definition());
        var b = new DeltaTable(storageB, new S3DeltaLogStore(storageB), definition: TestRows.Definition());
        await a.CommitAsync([new DeltaTxnPart("a", 1, [])], default);
        await b.RefreshAsync(default);
        await a.CommitAsync([new DeltaTxnPart("a", 2, [])], default);

        var result = await b.CommitAsync([new DeltaTxnPart("b", 1, []), new DeltaTxnPart("a", 2, [])], default);

        Assert.Equal(2, result.Version);
        Assert.Equal(2, result.Attempts);
        Assert.Equal([true, false], result.Parts.Select(p => p.CommittedNow));
        Assert.True(ConditionalPutFake.Refusals > 0);
    }

    /// <summary>A test-only stand-in for S3's conditional PUT in front of s3rver (which ignores it): 412 when the key exists.</summary>
    public class ConditionalPutFake : DispatchProxy
    {
        private static readonly SemaphoreSlim s_lock = new(1, 1);
        private IAmazonS3 _inner = null!;

        public static int Refusals { get; private set; }

        public static IAmazonS3 Wrap(IAmazonS3 inner)
        {
            var proxy = Create<IAmazonS3, ConditionalPutFake>();
            ((ConditionalPutFake)(object)proxy)._inner = inner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(IAmazonS3.PutObjectAsync) && args?[0] is PutObjectRequest { IfNoneMatch: "*" } request)
            {
                return ConditionalPutAsync(request, (CancellationToken)args[1]!);
            }

            try
            {
                return targetMethod!.Invoke(_inner, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
        }

        private async Task<PutObjectResponse> ConditionalPutAsync(PutObjectRequest request, CancellationToken cancellationToken)
        {
            await s_lock.WaitAsync(cancellationToken);
            try
            {
                try
                {
                    await _inner.GetObjectMetadataAsync(request.BucketName, request.Key, cancellationToken);
                    Refusals++;
                    throw new AmazonS3Exception("At least one of the pre-conditions you specified did not hold") { StatusCode = HttpStatusCode.PreconditionFailed };
                }
                catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
                {
                    request.IfNoneMatch = null;
                    return await _inner.PutObjectAsync(request, cancellationToken);
                }
            }
            finally
            {
                s_lock.Release();
            }
        }
    }
}
