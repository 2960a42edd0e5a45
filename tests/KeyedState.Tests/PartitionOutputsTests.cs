using System.Buffers;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.KeyedState.Outputs;
using KinesisGrains.KeyedState.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

/// <summary>The hand-over of a partition's staged rows to its sinks (PartitionOutputs), against a real RocksDB.</summary>
public sealed class PartitionOutputsTests
{
    /// <summary>
    /// A commit can land and still fail for the caller (the Delta committer grain's silo dies after writing the log,
    /// an Orleans response timeout): the next hand-over must not fold that epoch into a later one, or its rows are
    /// committed again under the later epoch's txn version (SinkKillTests, stop 27: sessions' revision-1 rows twice).
    /// </summary>
    [Fact]
    public async Task An_epoch_whose_commit_landed_but_failed_for_the_caller_is_not_committed_again_inside_a_later_one()
    {
        using var db = new TestDb();
        using var store = new RocksDbKeyValueStore(db.Db, ownsDatabase: false);
        var scratch = new ArrayBufferWriter<byte>();
        foreach (var (epoch, key) in new[] { (1L, "a"), (2L, "b"), (3L, "c") })
        {
            using var batch = store.CreateBatch();
            StagedRows.PutEmitted(batch, epoch, 0, key, "{\"n\":1}"u8, scratch);
            store.Write(batch);
        }

        var sink = new LandsThenFailsSink();
        var outputs = new PartitionOutputs([sink], RowSchema.For(typeof(Row)), () => throw new InvalidOperationException(), "s", 0, NullLogger.Instance);
        Assert.Equal(0, await outputs.InitializeAsync(CancellationToken.None));

        sink.FailAfterLanding = true;
        await outputs.ShipAsync(() => store, 1);
        sink.FailAfterLanding = false;
        await outputs.ShipAsync(() => store, 2);
        await outputs.ShipAsync(() => store, 3);

        Assert.Equal(["a", "b", "c"], sink.Keys);
        Assert.Equal(3, sink.Committed);
        Assert.Empty(StagedRows.Collect(store, "s", 0, fromEpoch: 0, throughEpoch: 3));
    }

    private sealed record Row(int N);

    /// <summary>Transactional per (partition, epoch), like the Delta sink's txn version; can commit and then throw.</summary>
    private sealed class LandsThenFailsSink : IRowSink
    {
        public List<string> Keys { get; } = [];

        public long Committed { get; private set; }

        public bool FailAfterLanding { get; set; }

        public string Name => "lands-then-fails";

        public string StateName => "s";

        public SinkOutputKind Output => SinkOutputKind.Emitted;

        public string Description => Name;

        public Task<SinkCommitResult> CommitAsync(SinkEpochBatch batch, CancellationToken cancellationToken)
        {
            if (batch.Epoch <= Committed)
            {
                return Task.FromResult(new SinkCommitResult(true, 0, null, TimeSpan.Zero));
            }

            Keys.AddRange(batch.Rows.Select(r => r.Key));
            Committed = batch.Epoch;
            return FailAfterLanding
                ? Task.FromException<SinkCommitResult>(new TimeoutException("the commit landed, the answer was lost"))
                : Task.FromResult(new SinkCommitResult(false, batch.Rows.Count, batch.Epoch, TimeSpan.Zero));
        }

        public Task<long?> CommittedEpochAsync(int partition, CancellationToken cancellationToken) =>
            Task.FromResult(Committed == 0 ? null : (long?)Committed);
    }
}
