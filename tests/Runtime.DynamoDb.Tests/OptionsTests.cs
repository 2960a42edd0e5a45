using KinesisGrains.DynamoDb.Persistence;
using KinesisGrains.Kinesis.Leasing;
using Xunit;

namespace KinesisGrains.DynamoDb.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Defaults_create_the_table_and_read_consistently()
    {
        var options = new DynamoDbGrainStorageOptions { TableName = "grain-state" };

        options.Validate();

        Assert.True(options.CreateTableIfNotExists);
        Assert.True(options.UseConsistentReads);
        Assert.NotNull(options.Connection);
    }

    [Theory]
    [InlineData("", "TableName is required")]
    [InlineData("   ", "TableName is required")]
    [InlineData("ab", "TableName must be 3 to 255")]
    [InlineData("grain state", "TableName must be 3 to 255")]
    [InlineData("grain/state", "TableName must be 3 to 255")]
    public void Invalid_table_names_are_rejected(string tableName, string expected)
    {
        var options = new DynamoDbGrainStorageOptions { TableName = tableName };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Table_names_up_to_255_characters_are_valid()
    {
        new DynamoDbGrainStorageOptions { TableName = "Grain_State-1.v2" }.Validate();
        new DynamoDbGrainStorageOptions { TableName = new string('t', 255) }.Validate();
        Assert.Throws<ArgumentException>(new DynamoDbGrainStorageOptions { TableName = new string('t', 256) }.Validate);
    }

    [Fact]
    public void Every_invalid_setting_is_listed_including_the_connection()
    {
        var options = new DynamoDbGrainStorageOptions
        {
            TableName = "x",
            Connection = new DynamoDbOptions { ServiceUrl = new Uri("ftp://localhost/"), Region = "", AccessKeyId = "only-the-key" },
        };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("TableName", error.Message, StringComparison.Ordinal);
        Assert.Contains("ServiceUrl", error.Message, StringComparison.Ordinal);
        Assert.Contains("Region is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("AccessKeyId and DynamoDb:SecretAccessKey go together", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_connection_is_rejected()
    {
        var options = new DynamoDbGrainStorageOptions { TableName = "grain-state", Connection = null! };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("Connection is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_storage_validates_its_options()
    {
        var options = new DynamoDbGrainStorageOptions { TableName = "" };

        Assert.Throws<ArgumentException>(() => new DynamoDbGrainStorage(options));
        Assert.Throws<ArgumentNullException>(() => new DynamoDbGrainStorage(null!));
    }
}
