using KinesisGrains.Kinesis.Client;
using KinesisGrains.Kinesis.Leasing;
using KinesisGrains.Kinesis.Source;
using KinesisGrains.Runtime.Partitions;
using Microsoft.Extensions.Configuration;

namespace KinesisGrains.Silo.Configuration;

/// <summary>Every option of the silo, bound from configuration (appsettings.json, environment, command line) and validated at start.</summary>
public sealed class SiloConfiguration
{
    public SiloOptions Silo { get; } = new();

    public KinesisSourceOptions Source { get; } = new();

    public KinesisClientOptions KinesisClient { get; } = new();

    public DynamoDbOptions DynamoDb { get; } = new();

    public GrainRuntimeOptions Grains { get; } = new();

    public static SiloConfiguration Bind(IConfiguration configuration)
    {
        var result = new SiloConfiguration();
        configuration.GetSection("Silo").Bind(result.Silo);
        configuration.GetSection("Kinesis").Bind(result.Source);
        configuration.GetSection("Kinesis").Bind(result.KinesisClient);
        configuration.GetSection("DynamoDb").Bind(result.DynamoDb);
        configuration.GetSection("Grains").Bind(result.Grains);
        return result;
    }

    /// <summary>Every problem found, each a sentence naming the setting; empty when the configuration is usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        errors.AddRange(Silo.Validate());
        errors.AddRange(Source.Validate());
        errors.AddRange(DynamoDb.Validate());
        errors.AddRange(Grains.Validate().Select(e => "Grains:" + e));
        try
        {
            KinesisClient.Validate();
        }
        catch (ArgumentException exception)
        {
            errors.Add("Kinesis: " + exception.Message);
        }

        return errors;
    }
}
