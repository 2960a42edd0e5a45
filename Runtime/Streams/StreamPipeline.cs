using KinesisGrains.Runtime.DeadLetters;
using KinesisGrains.Runtime.Partitions;

namespace KinesisGrains.Runtime.Streams;

/// <summary>
/// Decodes records with the message handler and delivers them to the consuming grain class (an implicit
/// subscription: the grain for each key sees every event of that key). Records the handler rejects go to the
/// dead-letter queue.
/// </summary>
public sealed class StreamPipeline<TEvent, TGrain>(
    GrainRuntime runtime,
    IStreamMessageHandler<TEvent> handler,
    IDeadLetterQueue deadLetters) : IStreamBatchProcessor
    where TGrain : Grains.Grain, IStreamConsumer<TEvent>
{
    public async Task<StreamBatchSummary> ProcessAsync(string shardId, IReadOnlyList<StreamRecord> records, CancellationToken cancellationToken)
    {
        var events = new List<StreamEvent<TEvent>>(records.Count);
        var rejected = 0;
        foreach (var record in records)
        {
            string? error;
            try
            {
                if (handler.TryHandle(record, out var key, out var item, out error))
                {
                    events.Add(new StreamEvent<TEvent>(key, item, record));
                    continue;
                }
            }
            catch (Exception exception)
            {
                error = $"message handler threw {exception.GetType().Name}: {exception.Message}";
            }

            deadLetters.Add(record, error ?? "message handler rejected the record");
            rejected++;
        }

        var result = events.Count > 0 ? await runtime.ApplyAsync(typeof(TGrain), shardId, events) : default;
        return new StreamBatchSummary(records.Count, result.Applied, result.SkippedAsDuplicate, rejected + result.Failed);
    }
}
