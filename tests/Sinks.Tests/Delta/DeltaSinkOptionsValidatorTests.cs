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
        }

        var problem = Assert.Single(DeltaSinkOptionsValidator.Problems(options));
        Assert.Contains(option, problem);
    }

    [Fact]
    public void Key_values_never_appear_in_problems()
    {
        var options = Valid();
        options.SecretAccessKey = "very-secret-value";
        Assert.DoesNotContain(DeltaSinkOptionsValidator.Problems(options), p => p.Contains("very-secret-value"));
    }
}
