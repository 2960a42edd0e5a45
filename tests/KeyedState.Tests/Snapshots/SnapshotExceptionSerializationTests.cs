using KinesisGrains.KeyedState.Snapshots;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Xunit;

namespace KinesisGrains.KeyedState.Tests.Snapshots;

/// <summary>The snapshot exceptions a grain call can throw cross silos through Orleans' serializer with their details.</summary>
public sealed class SnapshotExceptionSerializationTests
{
    private readonly Serializer _serializer = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(SnapshotCorruptException).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    [Fact]
    public void SnapshotCorruptException_round_trips_with_its_details()
    {
        var original = new SnapshotCorruptException("file 000012.sst is corrupt", "snapshots/p/shared/000012-ab.sst", "000012.sst", 10, 9, "aa", "bb");

        var copy = Assert.IsType<SnapshotCorruptException>(_serializer.Deserialize<Exception>(_serializer.SerializeToArray<Exception>(original)));

        Assert.Equal(original.Message, copy.Message);
        Assert.Equal(("snapshots/p/shared/000012-ab.sst", "000012.sst", 10L, 9L, "aa", "bb"),
            (copy.ObjectKey, copy.FileName, copy.ExpectedSize!.Value, copy.ActualSize!.Value, copy.ExpectedSha256, copy.ActualSha256));
    }

    [Fact]
    public void SnapshotFencedException_round_trips_with_its_details()
    {
        var original = new SnapshotFencedException("counts.p-00003", 4, 5, "commit snapshot 9", "the partition's writer is now 5.");

        var copy = Assert.IsType<SnapshotFencedException>(_serializer.Deserialize<Exception>(_serializer.SerializeToArray<Exception>(original)));

        Assert.Equal(original.Message, copy.Message);
        Assert.Equal(("counts.p-00003", 4L, 5L, "commit snapshot 9"), (copy.PartitionId, copy.WriterToken, copy.CurrentWriterToken!.Value, copy.Operation));
    }
}
