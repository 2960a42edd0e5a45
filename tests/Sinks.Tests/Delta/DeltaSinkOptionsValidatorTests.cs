using KinesisGrains.Sinks.Delta;
using Xunit;

namespace KinesisGrains.Tests.Delta;

public sealed class DeltaSinkOptionsValidatorTests
{
    private static DeltaSinkOptions Valid() => new() { Name = "events", StateName = "activity", Bucket = "my-bucket", Path = "tables/events" };

    [Fact]
    public void Valid_options_have_no_problems() => Assert.Empty(DeltaSinkOptionsValidator.Problems(Valid()));

    [Theory]
    [InlineData(nameof(DeltaSinkOptions.Bucket))]
    [InlineData(nameof(DeltaSinkOptions.Path))]
    [InlineData(nameof(DeltaSinkOptions.StateName))]
    [InlineData(nameof(DeltaSinkOptions.PartitionColumns))]
    [InlineData(nameof(DeltaSinkOptions.TargetFileSize))]
    [InlineData(nameof(DeltaSinkOptions.CheckpointInterval))]
    [InlineData(nameof(DeltaSinkOptions.LogTableName))]
    [InlineData(nameof(DeltaSinkOptions.SecretAccessKey))]
    [InlineData(nameof(DeltaSinkOptions.Application))]
    [InlineData(nameof(DeltaSinkOptions.Mode))]
    [InlineData(nameof(DeltaSinkOptions.MergeBuckets))]
    public void Each_problem_names_its_option(string option)
    {
        var options = Valid();
        switch (option)
        {
            case nameof(DeltaSinkOptions.Bucket): options.Bucket = "Bad_Bucket"; break;
            case nameof(DeltaSinkOptions.Path): options.Path = "/tables/"; break;
            case nameof(DeltaSinkOptions.StateName): options.StateName = ""; break;
            case nameof(DeltaSinkOptions.PartitionColumns): options.PartitionColumns = ["hour(ts)"]; break;
            case nameof(DeltaSinkOptions.TargetFileSize): options.TargetFileSize = 10; break;
            case nameof(DeltaSinkOptions.CheckpointInterval): options.CheckpointInterval = -1; break;
            case nameof(DeltaSinkOptions.LogTableName): options.LogStore = DeltaLogStoreKind.DynamoDB; options.LogTableName = " "; break;
            case nameof(DeltaSinkOptions.SecretAccessKey): options.AccessKeyId = "AKIA"; break;
            case nameof(DeltaSinkOptions.Application): options.Application = "a/b"; break;
            case nameof(DeltaSinkOptions.Mode): options.Mode = DeltaSinkMode.Merge; break; // with Output Emitted
            case nameof(DeltaSinkOptions.MergeBuckets): options.MergeBuckets = 0; break;
        }

        var problem = Assert.Single(DeltaSinkOptionsValidator.Problems(options));
        Assert.Contains(option, problem);
    }

    [Fact]
    public void Merge_takes_a_changelog_and_any_bucket_count_from_1()
    {
        var options = Valid();
        options.Mode = DeltaSinkMode.Merge;
        options.Output = KinesisGrains.Abstractions.Sinks.SinkOutputKind.Changelog;
        options.MergeBuckets = 1;
        Assert.Empty(DeltaSinkOptionsValidator.Problems(options));
        options.MergeBuckets = 64;
        Assert.Empty(DeltaSinkOptionsValidator.Problems(options));

        // Merge with emitted rows: one sentence, naming the option; an undefined mode too.
        options.Output = KinesisGrains.Abstractions.Sinks.SinkOutputKind.Emitted;
        var problem = Assert.Single(DeltaSinkOptionsValidator.Problems(options));
        Assert.StartsWith("Mode Merge needs Output Changelog", problem);
        Assert.Single(problem.Split(". ", StringSplitOptions.RemoveEmptyEntries));
        options.Mode = (DeltaSinkMode)7;
        Assert.Contains("Mode must be Append or Merge", Assert.Single(DeltaSinkOptionsValidator.Problems(options)));

        // The runtime refuses such options before any request.
        options.Mode = DeltaSinkMode.Merge;
        Assert.Throws<Orleans.Runtime.OrleansConfigurationException>(() => new DeltaSinkRuntime(options));
    }

    [Fact]
    public void Key_values_never_appear_in_problems()
    {
        var options = Valid();
        options.SecretAccessKey = "very-secret-value";
        Assert.DoesNotContain(DeltaSinkOptionsValidator.Problems(options), p => p.Contains("very-secret-value"));
    }
}
