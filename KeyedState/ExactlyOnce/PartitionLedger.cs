using KinesisGrains.Abstractions.ExactlyOnce;

using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.KeyedState.ExactlyOnce;

/// <summary>
/// The exactly-once rules of one keyed-state partition, in one place: which batches it may apply, which events of
/// them are redeliveries, and which shard positions it may vouch for at a checkpoint barrier. Plain C#: no Orleans,
/// no I/O; the grain stores <see cref="TakeChanged"/> in the same atomic write as the state it applied, and the
/// deterministic simulation drives the same type. <c>docs/exactly-once.md</c> argues why the rules hold.
/// </summary>
/// <remarks>
/// Rule 2, no coverage without proof: a batch (From, To] is accepted only when the partition provably holds the
/// shard up to From (<see cref="ShardCoverage.Holds"/>); having no entry for the shard proves nothing, except for
/// a batch whose From is the shard's origin (null, set by a reader that started without a checkpoint).
/// </remarks>
internal sealed class PartitionLedger
{
    private readonly Dictionary<string, ShardCoverage> _shards = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refusing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);

    /// <summary>A ledger as it was last written (empty for a partition never written).</summary>
    /// <param name="epoch">The last checkpoint barrier the partition made durable.</param>
    public PartitionLedger(IEnumerable<KeyValuePair<string, ShardCoverage>> durable, long epoch = 0)
    {
        foreach (var (shardId, coverage) in durable)
        {
            _shards[shardId] = coverage;
        }

        Epoch = epoch;
    }

    /// <summary>Checkpoint barriers this partition has vouched at; each one's state is durable once its barrier returns.</summary>
    public long Epoch { get; private set; }

    /// <summary>Shards whose batches this partition refuses until a replay reaches it again.</summary>
    public IReadOnlyCollection<string> Refusing => _refusing;

    public IReadOnlyDictionary<string, ShardCoverage> Shards => _shards;

    public ShardCoverage CoverageOf(string shardId) => _shards.GetValueOrDefault(shardId);

    /// <summary>Decides on a batch (<paramref name="from"/>, To] of a shard; changes nothing but the refusal bookkeeping.</summary>
    /// <param name="newGap">True when this refusal starts a gap (the first refused batch since the shard was last accepted).</param>
    public BatchAdmission Admit(string shardId, Position? from, out bool newGap)
    {
        var coverage = CoverageOf(shardId);
        if (!coverage.Holds(from))
        {
            newGap = _refusing.Add(shardId);
            return BatchAdmission.Refused;
        }

        newGap = false;
        _refusing.Remove(shardId);
        return new BatchAdmission(true, coverage.Mark);
    }

    /// <summary>
    /// Records an admitted batch as applied: the mark moves to its last new event, coverage to its end. Call it only
    /// once every event of the batch is applied or dead-lettered (rule 1: the batch is all or nothing).
    /// </summary>
    public void Commit(string shardId, Position? lastApplied, Position to)
    {
        var coverage = CoverageOf(shardId);
        var next = new ShardCoverage(ShardCoverage.Max(coverage.Mark, lastApplied), ShardCoverage.Max(coverage.Covered, to));
        if (next != coverage)
        {
            _shards[shardId] = next;
            _changed.Add(shardId);
        }
    }

    /// <summary>
    /// A checkpoint barrier's claim for one shard: every delivery up to <see cref="ShardBarrier.Reached"/> reached
    /// this partition, and the last batch among them ended at <see cref="ShardBarrier.LastSent"/>. The partition
    /// vouches for Reached only when it holds LastSent (then nothing of its keys lies between them).
    /// </summary>
    /// <returns>Null when vouched; else the gap to replay.</returns>
    public ShardGap? Vouch(ShardBarrier barrier)
    {
        var coverage = CoverageOf(barrier.ShardId);
        if (!coverage.Holds(barrier.LastSent))
        {
            _refusing.Add(barrier.ShardId);
            return new ShardGap(barrier.ShardId, coverage.Covered);
        }

        if (barrier.Reached is { } reached && ShardCoverage.Max(coverage.Covered, reached) != coverage.Covered)
        {
            _shards[barrier.ShardId] = coverage with { Covered = reached };
            _changed.Add(barrier.ShardId);
        }

        return null;
    }

    /// <summary>Starts the next epoch: the caller writes it with <see cref="TakeChanged"/> and makes that write durable.</summary>
    public long NextEpoch() => ++Epoch;

    /// <summary>
    /// Numbers the next epochs above <paramref name="epoch"/>: a sink committed epochs this ledger never reached (it
    /// was restored from an older snapshot), and would skip rows staged under their numbers as committed already.
    /// </summary>
    public void SkipEpochsTo(long epoch) => Epoch = Math.Max(Epoch, epoch);

    /// <summary>The shards whose coverage changed since the last call, to write with the state they describe.</summary>
    public IReadOnlyList<KeyValuePair<string, ShardCoverage>> TakeChanged()
    {
        if (_changed.Count == 0)
        {
            return [];
        }

        var changed = _changed.Select(s => new KeyValuePair<string, ShardCoverage>(s, _shards[s])).ToList();
        _changed.Clear();
        return changed;
    }

    /// <summary>True while something changed that <see cref="TakeChanged"/> has not handed out.</summary>
    public bool HasChanges => _changed.Count > 0;
}
