using KinesisGrains.DynamoDB;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.Tests;

public sealed class DynamoDBOptionsValidatorTests
{
    [Fact]
    public void Defaults_and_an_emulator_endpoint_are_valid()
    {
        Assert.Empty(DynamoDBOptionsValidator.Problems(new DynamoDBOptions()));
        Assert.Empty(DynamoDBOptionsValidator.Problems(new DynamoDBOptions { ServiceUrl = new Uri("http://127.0.0.1:8000"), AccessKeyId = "a", SecretAccessKey = "b" }));
    }

    [Theory]
    [InlineData("ServiceUrl")]
    [InlineData("Region")]
    [InlineData("SecretAccessKey")]
    public void A_bad_value_is_named_with_its_section(string setting)
    {
        var options = new DynamoDBOptions();
        switch (setting)
        {
            case "ServiceUrl": options.ServiceUrl = new Uri("ftp://127.0.0.1:8000"); break;
            case "Region": options.Region = " "; break;
            case "SecretAccessKey": options.SecretAccessKey = "secret-do-not-log"; break;
        }

        var problem = Assert.Single(DynamoDBOptionsValidator.Problems(options));
        var error = Assert.Throws<OrleansConfigurationException>(new DynamoDBOptionsValidator(options).ValidateConfiguration);

        Assert.Contains($"DynamoDB:{setting}", problem);
        Assert.DoesNotContain("secret-do-not-log", problem);
        Assert.Equal("Invalid DynamoDB options: " + problem, error.Message);
    }
}
