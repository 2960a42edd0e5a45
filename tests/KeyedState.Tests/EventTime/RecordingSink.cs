using System.Collections.Concurrent;
using System.Text.Json;
using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Tests.EventTime;

/// <summary>
/// A transactional sink in memory for the grain tests: commits each (partition, epoch) once, skips the ones it has.
/// The real sinks (Delta, DynamoDB, Kinesis) are tested against emulators elsewhere; this one checks the partition's side.
/// </summary>
public sealed class RecordingSink(string stateName, SinkOutputKind output) : IRowSink
{
    private readonly ConcurrentDictionary<int, long> _committed = new();
    private readonly ConcurrentQueue<(int Partition, long Epoch, JsonElement Row)> _rows = new();

    public string Name => "recording-" + stateName;

    public string StateName => stateName;

    public SinkOutputKind Output => output;

    public string Description => Name;

    public IReadOnlyList<JsonElement> Rows => [.. _rows.OrderBy(r => r.Partition).ThenBy(r => r.Epoch).Select(r => r.Row)];

    public Task<SinkCommitResult> CommitAsync(SinkEpochBatch batch, CancellationToken cancellationToken)
    {
        if (_committed.TryGetValue(batch.Partition, out var committed) && batch.Epoch <= committed)
        {
            return Task.FromResult(new SinkCommitResult(true, 0, null, TimeSpan.Zero));
        }

        foreach (var row in batch.Rows)
        {
            _rows.Enqueue((batch.Partition, batch.Epoch, JsonDocument.Parse(row.Json).RootElement.Clone()));
        }

        _committed[batch.Partition] = batch.Epoch;
        return Task.FromResult(new SinkCommitResult(false, batch.Rows.Count, batch.Epoch, TimeSpan.Zero));
    }

    public Task<long?> CommittedEpochAsync(int partition, CancellationToken cancellationToken) =>
        Task.FromResult(_committed.TryGetValue(partition, out var epoch) ? epoch : (long?)null);
}
