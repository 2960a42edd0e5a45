using KinesisGrains.Persistence.DynamoDB;
using KinesisGrains.DynamoDB.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.DynamoDB.Tests;

public sealed class OptionsTests
{
    private const string Secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";

    [Fact]
    public void Defaults_are_those_of_Orleans_Persistence_DynamoDB()
    {
        var options = new DynamoDBGrainStorageOptions();

        Assert.Equal("OrleansGrainState", options.TableName);
        Assert.Equal("", options.ServiceId);
        Assert.True(options.UseProvisionedThroughput);
        Assert.Equal(10, options.ReadCapacityUnits);
        Assert.Equal(5, options.WriteCapacityUnits);
        Assert.True(options.CreateIfNotExists);
        Assert.True(options.UpdateIfExists);
        Assert.False(options.DeleteStateOnClear);
        Assert.Null(options.TimeToLive);
        Assert.Equal(ServiceLifecycleStage.ApplicationServices, options.InitStage);
        Assert.True(options.UseConsistentReads);
    }

    [Theory]
    [InlineData("us-east-1")]
    [InlineData("eu-central-2")]
    [InlineData("us-gov-west-1")]
    [InlineData("http://127.0.0.1:8000")]
    [InlineData("https://dynamodb.eu-west-1.amazonaws.com")]
    public void A_region_or_an_endpoint_URL_is_a_valid_Service(string service) =>
        Assert.Empty(DynamoDBGrainStorageOptionsValidator.Problems(Valid(o => o.Service = service)));

    [Fact]
    public void Keys_with_a_token_a_profile_or_nothing_are_valid_credentials()
    {
        Assert.Empty(DynamoDBGrainStorageOptionsValidator.Problems(Valid(o => (o.AccessKey, o.SecretKey, o.Token) = ("AKIA", Secret, "session"))));
        Assert.Empty(DynamoDBGrainStorageOptionsValidator.Problems(Valid(o => o.ProfileName = "deploy")));
        Assert.Empty(DynamoDBGrainStorageOptionsValidator.Problems(Valid(_ => { })));
    }

    [Theory]
    [InlineData("TableName", "", "TableName is required")]
    [InlineData("TableName", "ab", "TableName must be 3 to 255")]
    [InlineData("TableName", "grain state", "TableName must be 3 to 255")]
    [InlineData("TableName", "grain/state", "TableName must be 3 to 255")]
    [InlineData("Service", "", "Service is required")]
    [InlineData("Service", "   ", "Service is required")]
    [InlineData("Service", "US East", "Service must be an AWS region such as 'us-east-1'")]
    [InlineData("Service", "localhost:8000", "Service must be an AWS region")]
    [InlineData("Service", "http://", "Service is not a valid endpoint URL")]
    [InlineData("ReadCapacityUnits", "0", "ReadCapacityUnits must be at least 1 with UseProvisionedThroughput")]
    [InlineData("WriteCapacityUnits", "-1", "WriteCapacityUnits must be at least 1 with UseProvisionedThroughput")]
    [InlineData("TimeToLive", "00:00:00.5", "TimeToLive must be at least one second")]
    [InlineData("TimeToLive", "-01:00:00", "TimeToLive must be at least one second")]
    public void An_invalid_option_stops_the_silo_with_its_name(string option, string value, string expected)
    {
        var options = Valid(o =>
        {
            o.UseProvisionedThroughput = true;
            switch (option)
            {
                case "TableName": o.TableName = value; break;
                case "Service": o.Service = value; break;
                case "ReadCapacityUnits": o.ReadCapacityUnits = int.Parse(value); break;
                case "WriteCapacityUnits": o.WriteCapacityUnits = int.Parse(value); break;
                case "TimeToLive": o.TimeToLive = TimeSpan.Parse(value); break;
            }
        });

        var error = Assert.Throws<OrleansConfigurationException>(new DynamoDBGrainStorageOptionsValidator(options, "settings-store").ValidateConfiguration);

        Assert.Contains("DynamoDB grain storage 'settings-store'", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Capacity_is_not_checked_for_on_demand_tables() =>
        Assert.Empty(DynamoDBGrainStorageOptionsValidator.Problems(Valid(o =>
        {
            o.UseProvisionedThroughput = false;
            o.ReadCapacityUnits = 0;
            o.WriteCapacityUnits = 0;
        })));

    [Fact]
    public void Credential_mistakes_are_named_without_showing_the_secrets()
    {
        var halfKeys = Valid(o => o.SecretKey = Secret);
        var tokenAlone = Valid(o => o.Token = Secret);
        var keysAndProfile = Valid(o => (o.AccessKey, o.SecretKey, o.ProfileName) = ("AKIAEXAMPLE", Secret, "deploy"));

        var problems = DynamoDBGrainStorageOptionsValidator.Problems(halfKeys)
            .Concat(DynamoDBGrainStorageOptionsValidator.Problems(tokenAlone))
            .Concat(DynamoDBGrainStorageOptionsValidator.Problems(keysAndProfile))
            .ToList();

        Assert.Contains("AccessKey and SecretKey go together: set both or neither.", problems);
        Assert.Contains("Token needs AccessKey and SecretKey.", problems);
        Assert.Contains("Set either ProfileName or AccessKey/SecretKey, not both.", problems);
        Assert.All(problems, p => Assert.DoesNotContain(Secret, p, StringComparison.Ordinal));
        Assert.All(problems, p => Assert.DoesNotContain("AKIAEXAMPLE", p, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_listed_at_once()
    {
        var options = Valid(o =>
        {
            o.TableName = "x";
            o.Service = "";
            o.AccessKey = "AKIA";
            o.ServiceId = null!;
            o.GrainStorageSerializer = null!;
        });

        var error = Assert.Throws<OrleansConfigurationException>(new DynamoDBGrainStorageOptionsValidator(options, "dynamodb").ValidateConfiguration);

        Assert.Contains("TableName must be", error.Message, StringComparison.Ordinal);
        Assert.Contains("Service is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("AccessKey and SecretKey go together", error.Message, StringComparison.Ordinal);
        Assert.Contains("ServiceId cannot be null", error.Message, StringComparison.Ordinal);
        Assert.Contains("GrainStorageSerializer is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_storage_validates_its_options_when_built()
    {
        var options = Valid(o => o.TableName = "");

        var error = Assert.Throws<OrleansConfigurationException>(
            () => new DynamoDBGrainStorage("dynamodb", options, DynaliteFixture.Activators, NullLogger<DynamoDBGrainStorage>.Instance));

        Assert.Contains("TableName is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_are_redacted_when_Orleans_formats_the_options()
    {
        foreach (var property in new[] { "AccessKey", "SecretKey", "Token" })
        {
            var redact = typeof(DynamoDBGrainStorageOptions).GetProperty(property)!.GetCustomAttributes(typeof(RedactAttribute), inherit: true);
            Assert.Single(redact);
        }
    }

    private static DynamoDBGrainStorageOptions Valid(Action<DynamoDBGrainStorageOptions> change)
    {
        var options = new DynamoDBGrainStorageOptions
        {
            Service = "us-east-1",
            GrainStorageSerializer = DynaliteFixture.Serializer,
        };
        change(options);
        return options;
    }
}
