using KinesisGrains.Sinks;
using KinesisGrains.Sinks.Delta;
using KinesisGrains.Sinks.DynamoDB;
using KinesisGrains.Sinks.Kinesis;
using Microsoft.Extensions.Configuration;

namespace KinesisGrains.Silo.Configuration;

/// <summary>
/// One sink of section <c>Sinks</c>: <c>Sinks:{name}:Type</c> says which, and the other keys of <c>Sinks:{name}</c>
/// bind strictly onto that type's options. A sink starts from the silo's own connection settings for its service
/// (<c>DynamoDB</c>, <c>Kinesis</c>, <c>Snapshots</c>), so on one account it needs only what is its own.
/// </summary>
public sealed class SinkSettings
{
    private SinkSettings(string name, SinkType type, object options)
    {
        Name = name;
        Type = type;
        Options = options;
    }

    public string Name { get; }

    public SinkType Type { get; }

    /// <summary>The type's options: <see cref="DynamoDBSinkOptions"/>, <see cref="KinesisSinkOptions"/> or the Delta sink's.</summary>
    public object Options { get; }

    /// <summary>Binds every sink under <paramref name="section"/>; a sink without a known type is a problem, not a sink.</summary>
    public static List<SinkSettings> Bind(IConfigurationSection section, SiloConfiguration silo, List<string> problems)
    {
        var sinks = new List<SinkSettings>();
        foreach (var child in section.GetChildren())
        {
            if (!Enum.TryParse<SinkType>(child["Type"], ignoreCase: true, out var type) || !Enum.IsDefined(type))
            {
                problems.Add(child["Type"] is { Length: > 0 } given
                    ? $"{child.Path}:Type '{given}' is not a sink type: Delta, DynamoDB or Kinesis."
                    : $"{child.Path}:Type is required: Delta, DynamoDB or Kinesis.");
                continue;
            }

            var options = Defaults(type, child.Key, silo);
            problems.AddRange(StrictConfigurationBinder.Bind(child, options, new TypeHolder()));
            if (child["AccessKeyId"] is not null && options is AwsRowSinkOptions or DeltaSinkOptions)
            {
                // Keys of its own: the sink signs with them, not with the role of the section it took its defaults from.
                ClearCredentials(options);
            }

            sinks.Add(new SinkSettings(child.Key, type, options));
        }

        return sinks;
    }

    /// <summary>Every problem of this sink's options, each naming its key.</summary>
    public IEnumerable<string> Validate() => Options switch
    {
        DeltaSinkOptions delta => DeltaSinkOptionsValidator.Problems(delta).Select(e => $"Sinks:{Name}:{e}"),
        DynamoDBSinkOptions dynamo => DynamoDBSinkOptionsValidator.Problems(dynamo),
        KinesisSinkOptions kinesis => KinesisSinkOptionsValidator.Problems(kinesis),
        _ => [],
    };

    private static void ClearCredentials(object options)
    {
        switch (options)
        {
            case AwsRowSinkOptions row:
                row.Credentials = null;
                break;
            case DeltaSinkOptions delta:
                delta.Credentials = null;
                break;
        }
    }

    private static object Defaults(SinkType type, string name, SiloConfiguration silo)
    {
        switch (type)
        {
            case SinkType.DynamoDB:
                var dynamo = new DynamoDBSinkOptions { Name = name };
                (dynamo.ServiceUrl, dynamo.Region, dynamo.AccessKeyId, dynamo.SecretAccessKey, dynamo.Credentials) =
                    (silo.DynamoDB.ServiceUrl, silo.DynamoDB.Region, silo.DynamoDB.AccessKeyId, silo.DynamoDB.SecretAccessKey, silo.DynamoDB.Credentials);
                return dynamo;
            case SinkType.Kinesis:
                var kinesis = new KinesisSinkOptions { Name = name };
                (kinesis.ServiceUrl, kinesis.Region, kinesis.AccessKeyId, kinesis.SecretAccessKey, kinesis.SessionToken, kinesis.Credentials) =
                    (silo.KinesisClient.ServiceUrl, silo.KinesisClient.Region, silo.KinesisClient.AccessKeyId, silo.KinesisClient.SecretAccessKey, silo.KinesisClient.SessionToken, silo.KinesisClient.Credentials);
                return kinesis;
            case SinkType.Delta:
                // The snapshot bucket's connection (and bucket), the DynamoDB section's endpoint for a DynamoDB log store.
                var delta = new DeltaSinkOptions { Name = name, Application = silo.Silo.ApplicationName, Bucket = silo.Snapshots.Bucket ?? "" };
                (delta.ServiceUrl, delta.Region, delta.AccessKeyId, delta.SecretAccessKey, delta.SessionToken, delta.DynamoDBServiceUrl, delta.Credentials) =
                    (silo.Snapshots.ServiceUrl, silo.Snapshots.Region, silo.Snapshots.AccessKeyId, silo.Snapshots.SecretAccessKey, silo.Snapshots.SessionToken, silo.DynamoDB.ServiceUrl, silo.Snapshots.Credentials);
                return delta;
            default:
                throw new NotSupportedException($"Sinks:{name}:Type={type} is not built into this silo.");
        }
    }

    /// <summary>Copies every public settable property of <paramref name="source"/> onto <paramref name="target"/> (options bound here, handed to a registration that configures its own instance).</summary>
    public static void CopySettings<T>(T source, T target)
        where T : class
    {
        foreach (var property in typeof(T).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            if (property is { CanRead: true, CanWrite: true } && property.GetIndexParameters().Length == 0)
            {
                property.SetValue(target, property.GetValue(source));
            }
        }
    }

    /// <summary>The one key the options do not have (read before them).</summary>
    private sealed class TypeHolder
    {
        public SinkType? Type { get; set; }
    }
}
