using System.Reflection;
using Amazon.S3;
using Amazon.S3.Model;
using KinesisGrains.Sinks.Delta;

namespace KinesisGrains.Benchmarks.Delta;

/// <summary>A table storage whose S3 takes every PutObject and keeps nothing: the sink's data file writer without the upload.</summary>
internal static class NullStorage
{
    private static readonly DeltaTableStorage s_storage = new(DispatchProxy.Create<IAmazonS3, NullS3>(), "null", "tables/null");

    public static DeltaDataFileWriter FileWriter(DeltaTableDefinition definition) => new(definition.ToSchema(), s_storage);

    public class NullS3 : DispatchProxy
    {
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            "PutObjectAsync" => Task.FromResult(new PutObjectResponse()),
            "Dispose" => null,
            _ => throw new NotSupportedException($"The null S3 does not do {targetMethod?.Name}."),
        };
    }
}
