using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Grains.UserActivity;

namespace KinesisGrains.Grains.Clickstream;

/// <summary>
/// The clickstream's deliveries as an aggregation beside the user activity takes them: the same reads (shard,
/// positions, watermark), without the records the message handler rejected, which the user-activity partition reading
/// the same batches dead-letters, so each is dead-lettered once.
/// </summary>
internal static class ClickstreamBatches
{
    public static KeyedEventBatch<ClickEvent> WithoutRejected(KeyedEventBatch<ClickEvent> batch) =>
        batch.Rejected.Length == 0 ? batch : batch.With(batch.Events, batch.RoutingKeys, []);

    /// <summary>The batch with each click under <paramref name="keyOf"/>(click) instead of its user (its routing key stays the user).</summary>
    public static KeyedEventBatch<ClickEvent> KeyedBy(KeyedEventBatch<ClickEvent> batch, Func<ClickEvent, string> keyOf)
    {
        var events = new KeyedEvent<ClickEvent>[batch.Events.Length];
        var routing = batch.RoutingKeys ?? new string[events.Length];
        for (var i = 0; i < events.Length; i++)
        {
            var click = batch.Events[i];
            events[i] = click with { Key = keyOf(click.Item) };
            if (batch.RoutingKeys is null)
            {
                routing[i] = click.Key;
            }
        }

        return batch.With(events, routing, []);
    }
}
