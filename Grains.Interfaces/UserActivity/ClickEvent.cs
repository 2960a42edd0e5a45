using Orleans;

namespace KinesisGrains.Grains.UserActivity;

/// <summary>One clickstream event, as JSON in a Kinesis record whose partition key is the user id.</summary>
/// <param name="UserId">The user; also the record's partition key.</param>
/// <param name="Type">What happened: view, click, add_to_cart, purchase ...</param>
/// <param name="Bytes">The size of the page or payload involved.</param>
/// <param name="Timestamp">When it happened, by the producer's clock.</param>
/// <remarks>Every field is required: a record without one is dead-lettered with the field's name, never read as zero.</remarks>
[GenerateSerializer, Immutable]
public sealed record ClickEvent(
    [property: Id(0)] string UserId,
    [property: Id(1)] string Type,
    [property: Id(2)] long Bytes,
    [property: Id(3)] DateTimeOffset Timestamp);
