using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Sinks.DynamoDB;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.Tests.DynamoDBSinks;

public sealed class DynamoDBSinkOptionsValidatorTests
{
    private static DynamoDBSinkOptions Valid() => new() { Name = "users", StateName = "user-activity", Table = "user-latest" };

    private static string Single(Action<DynamoDBSinkOptions> change)
    {
        var options = Valid();
        change(options);
        return Assert.Single(DynamoDBSinkOptionsValidator.Problems(options));
    }

    [Fact]
    public void Defaults_with_a_state_and_a_table_pass()
    {
        var options = Valid();
        Assert.Empty(DynamoDBSinkOptionsValidator.Problems(options));
        Assert.Equal((SinkOutputKind.Changelog, "key", false), (options.Output, options.KeyAttribute, options.CreateTableIfMissing));
        new DynamoDBSinkOptionsValidator(options).ValidateConfiguration();
    }

    [Theory]
    [InlineData("")]
    [InlineData("ab")]
    [InlineData("user latest")]
    public void Table_must_be_a_DynamoDB_table_name(string table) =>
        Assert.StartsWith("Sinks:users:Table", Single(o => o.Table = table));

    [Fact]
    public void KeyAttribute_is_required() =>
        Assert.StartsWith("Sinks:users:KeyAttribute is required", Single(o => o.KeyAttribute = ""));

    [Fact]
    public void KeyAttribute_fits_DynamoDB() =>
        Assert.Contains("255", Single(o => o.KeyAttribute = new string('k', 256)));

    [Theory]
    [InlineData(DynamoDBSink.EpochAttribute)]
    [InlineData(DynamoDBSink.PartitionAttribute)]
    public void KeyAttribute_cannot_be_an_attribute_the_sink_writes(string attribute) =>
        Assert.Contains($"cannot be '{attribute}'", Single(o => o.KeyAttribute = attribute));

    [Fact]
    public void KeyColumn_cannot_be_empty() =>
        Assert.StartsWith("Sinks:users:KeyColumn is empty", Single(o => { o.Output = SinkOutputKind.Emitted; o.KeyColumn = ""; }));

    [Fact]
    public void KeyColumn_applies_to_emitted_rows_only()
    {
        Assert.Contains("Output=Emitted only", Single(o => o.KeyColumn = "session"));
        var emitted = Valid();
        emitted.Output = SinkOutputKind.Emitted;
        emitted.KeyColumn = "session";
        Assert.Empty(DynamoDBSinkOptionsValidator.Problems(emitted));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    public void MaxParallelWrites_is_between_1_and_32(int parallel) =>
        Assert.StartsWith("Sinks:users:MaxParallelWrites", Single(o => o.MaxParallelWrites = parallel));

    [Fact]
    public void The_shared_rules_apply_and_every_problem_is_listed_at_once()
    {
        var options = new DynamoDBSinkOptions { Name = "users", Table = "", Region = "" };
        var error = Assert.Throws<OrleansConfigurationException>(() => new DynamoDBSinkOptionsValidator(options).ValidateConfiguration());
        Assert.Contains("Sinks:users:StateName is required", error.Message);
        Assert.Contains("Sinks:users:Region is required", error.Message);
        Assert.Contains("Sinks:users:Table is required", error.Message);
    }

    [Fact]
    public void A_sink_refuses_invalid_options() =>
        Assert.Throws<ArgumentException>(() => new DynamoDBSink(new DynamoDBSinkOptions { Name = "users" }, Microsoft.Extensions.Logging.Abstractions.NullLogger<DynamoDBSink>.Instance));
}
