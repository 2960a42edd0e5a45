using KinesisGrains.Clustering.DynamoDB;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Messaging;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.DynamoDB.Tests.Membership;

/// <summary>The clustering and gateway options: their defaults, their checks at start, and what the builders register.</summary>
public sealed class ClusteringOptionsTests
{
    [Fact]
    public void Defaults_are_those_of_Orleans_Clustering_DynamoDB()
    {
        var options = new DynamoDBClusteringOptions();

        Assert.Equal("OrleansSilos", options.TableName);
        Assert.True(options.UseProvisionedThroughput);
        Assert.Equal(10, options.ReadCapacityUnits);
        Assert.Equal(5, options.WriteCapacityUnits);
        Assert.True(options.CreateIfNotExists);
        Assert.True(options.UpdateIfExists);
        Assert.Equal(["Service is required: an AWS region such as 'us-east-1', or an http(s) endpoint URL."], DynamoDBSiloTableOptionsValidator.Problems(options));
    }

    [Fact]
    public void Every_problem_is_named_and_secrets_never_appear()
    {
        var problems = DynamoDBSiloTableOptionsValidator.Problems(new DynamoDBGatewayOptions
        {
            Service = "Europe",
            TableName = "x",
            SecretKey = "very-secret-value",
            Token = "token-value",
            ReadCapacityUnits = 0,
        }).ToList();

        Assert.Equal(
            [
                "TableName must be 3 to 255 of a-z, A-Z, 0-9, '_', '-' and '.'; it is 'x'.",
                "Service must be an AWS region such as 'us-east-1', or an absolute http(s) endpoint URL; it is 'Europe'.",
                "AccessKey and SecretKey go together: set both or neither.",
                "Token needs AccessKey and SecretKey.",
                "ReadCapacityUnits must be at least 1 with UseProvisionedThroughput; it is 0.",
            ],
            problems);
        Assert.DoesNotContain(problems, p => p.Contains("very-secret-value", StringComparison.Ordinal) || p.Contains("token-value", StringComparison.Ordinal));
    }

    [Fact]
    public void The_silo_builder_registers_the_table_and_its_validator()
    {
        var silo = new ServicesOnlySiloBuilder();
        silo.UseDynamoDBClustering(o =>
        {
            o.Service = "eu-west-1";
            o.AccessKey = "AKIAEXAMPLE";
            o.SecretKey = "secret-do-not-log";
        });
        silo.Services.AddLogging();
        silo.Services.Configure<ClusterOptions>(o => o.ClusterId = "c1");
        using var services = silo.Services.BuildServiceProvider();

        Assert.IsType<DynamoDBMembershipTable>(services.GetRequiredService<IMembershipTable>());
        var validator = Assert.Single(services.GetServices<IConfigurationValidator>());
        validator.ValidateConfiguration();
    }

    [Fact]
    public async Task A_client_with_invalid_gateway_options_does_not_start_and_says_which_option()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client.UseDynamoDBClustering(o => o.Service = "nowhere"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OrleansConfigurationException>(() => host.StartAsync());

        Assert.Contains("DynamoDBGatewayOptions", error.Message, StringComparison.Ordinal);
        Assert.Contains("Service must be an AWS region", error.Message, StringComparison.Ordinal);
        Assert.IsType<DynamoDBGatewayListProvider>(host.Services.GetRequiredService<IGatewayListProvider>());
    }

    private sealed class ServicesOnlySiloBuilder : ISiloBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();

        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }
}
