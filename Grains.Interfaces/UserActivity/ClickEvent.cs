namespace KinesisGrains.Grains.UserActivity;

/// <summary>One clickstream event, as JSON in a Kinesis record whose partition key is the user id.</summary>
/// <param name="UserId">The user; also the record's partition key.</param>
/// <param name="Type">What happened: view, click, add_to_cart, purchase ...</param>
/// <param name="Bytes">The size of the page or payload involved.</param>
/// <param name="Timestamp">When it happened, by the producer's clock.</param>
public sealed record ClickEvent(string UserId, string Type, long Bytes, DateTimeOffset Timestamp);
