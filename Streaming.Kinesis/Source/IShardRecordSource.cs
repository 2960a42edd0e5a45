using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>
/// Reads one shard into its fetch-buffer queue, page by page in shard order, until the shard ends: the seam between
/// how Kinesis is read (<see cref="ShardFetcher"/> polls, <see cref="EnhancedFanOut.ShardSubscriber"/> subscribes) and
/// the receiver, which takes the pages from the buffer the same way whichever source filled it. The last page of a
/// closed shard has <see cref="Buffering.FetchedPage.IsShardEnd"/> and its child shards.
/// </summary>
internal interface IShardRecordSource
{
    /// <summary>The last record put into the queue (or the one this source was told to start after): a new source continues after it.</summary>
    string? LastFetchedSequenceNumber { get; }

    /// <summary>Reads until the shard ends or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="startAt">
    /// Where to start: after the given sequence number, or, given null, at the receiver's start position. Called
    /// with the sequence number the source was created with first.
    /// </param>
    Task RunAsync(Func<string?, CancellationToken, Task<StartingPosition>> startAt, CancellationToken cancellationToken);
}
