using KinesisGrains.Kinesis.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace KinesisGrains.Tests;

public sealed class KinesisClientOptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_point_at_the_regional_endpoint()
    {
        var options = new KinesisClientOptions();
        Assert.Empty(KinesisClientOptionsValidator.Problems(options));
        Assert.Equal("us-east-1", options.Region);
        Assert.Equal(TimeSpan.FromSeconds(30), options.RequestTimeout);
        Assert.Equal(3, options.MaxAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.RetryBaseDelay);
        Assert.Equal(new Uri("https://kinesis.us-east-1.amazonaws.com/"), options.ResolveEndpoint());

        options.Region = "eu-central-1";
        Assert.Equal(new Uri("https://kinesis.eu-central-1.amazonaws.com/"), options.ResolveEndpoint());
        options.ServiceUrl = new Uri("http://127.0.0.1:4567");
        Assert.Equal(new Uri("http://127.0.0.1:4567/"), options.ResolveEndpoint());
    }

    public static TheoryData<string, Action<KinesisClientOptions>, string> InvalidSettings => new()
    {
        { "Region", o => o.Region = "", "Region is required" },
        { "Region", o => o.Region = "us east", "not a region name" },
        { "ServiceUrl", o => o.ServiceUrl = new Uri("ftp://example.com"), "ServiceUrl must be an absolute http or https URI" },
        { "RequestTimeout", o => o.RequestTimeout = TimeSpan.Zero, "RequestTimeout must be positive" },
        { "RequestTimeout", o => o.RequestTimeout = Timeout.InfiniteTimeSpan, "RequestTimeout must be positive" },
        { "MaxAttempts", o => o.MaxAttempts = 0, "MaxAttempts must be at least 1" },
        { "RetryBaseDelay", o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(-1), "RetryBaseDelay must not be negative" },
        { "MaxRetryDelay", o => o.MaxRetryDelay = TimeSpan.FromMilliseconds(10), "MaxRetryDelay" },
        { "ListShardsPageSize", o => o.ListShardsPageSize = 10_001, "ListShardsPageSize must be between 1 and 10000" },
        { "AccessKeyId", o => o.AccessKeyId = "AKID", "SecretAccessKey is missing" },
        { "SessionToken", o => o.SessionToken = "token", "SessionToken needs AccessKeyId" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void The_validator_names_the_bad_setting(string setting, Action<KinesisClientOptions> configure, string expectedMessage)
    {
        var options = new KinesisClientOptions();
        configure(options);

        var problem = Assert.Single(KinesisClientOptionsValidator.Problems(options));
        Assert.StartsWith(setting, problem);
        Assert.Contains(expectedMessage, problem);

        var result = new KinesisClientOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Equal([problem], result.Failures);
    }

    [Fact]
    public void The_client_refuses_invalid_options_naming_every_problem()
    {
        var options = new KinesisClientOptions { Region = "", MaxAttempts = 0 };

        var exception = Assert.Throws<InvalidOperationException>(() => new KinesisClient(options));

        Assert.StartsWith("Invalid KinesisClientOptions: ", exception.Message);
        Assert.Contains("Region is required", exception.Message);
        Assert.Contains("MaxAttempts must be at least 1 (got 0)", exception.Message);
    }

    [Fact]
    public void Registered_for_the_options_it_refuses_them_when_they_are_read()
    {
        var services = new ServiceCollection();
        services.AddOptions<KinesisClientOptions>().Configure(o => o.ListShardsPageSize = 0);
        services.AddSingleton<IValidateOptions<KinesisClientOptions>, KinesisClientOptionsValidator>();
        using var provider = services.BuildServiceProvider();

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KinesisClientOptions>>().Value);

        Assert.Contains("ListShardsPageSize must be between 1 and 10000 (got 0)", exception.Message);
    }

    [Fact]
    public void A_secret_without_a_key_id_is_rejected_without_echoing_the_secret()
    {
        var options = new KinesisClientOptions { SecretAccessKey = "wJalrXUtnFEMI-super-secret" };
        var exception = Assert.Throws<InvalidOperationException>(() => new KinesisClient(options));
        Assert.Contains("AccessKeyId is missing", exception.Message);
        Assert.DoesNotContain("super-secret", exception.ToString());
    }

    [Fact]
    public void The_client_keeps_its_own_copy_of_the_options()
    {
        var options = new KinesisClientOptions { ServiceUrl = new Uri("http://127.0.0.1:1/"), AccessKeyId = "a", SecretAccessKey = "b" };
        using var client = new KinesisClient(options);
        options.ServiceUrl = new Uri("http://127.0.0.1:2/");
        Assert.Equal(new Uri("http://127.0.0.1:1/"), client.Endpoint);
    }
}
