namespace KinesisGrains.Abstractions.Streams;

/// <summary>A batch the <see cref="RecordDecoder"/> built, with the lane (view × partition stream) it goes on.</summary>
/// <param name="Lane">The lane: <c>view × P + partition</c> (<see cref="Views.StreamLanes"/>).</param>
internal readonly record struct LaneBatch(int Lane, KeyedEventBatch Batch);
