using KinesisGrains.DynamoDB.Tests.Grains;
using KinesisGrains.DynamoDB.Tests.Support;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.DynamoDB.Tests;

/// <summary>Whole clusters started and stopped on one dynalite.</summary>
public sealed class ClusterRestartTests(DynaliteFixture dynalite) : IClassFixture<DynaliteFixture>
{
    [Fact]
    public async Task State_survives_a_restart_of_the_whole_cluster()
    {
        const string key = "restart/Zürich ops.alerts 🚨";
        SettingsSnapshot written;
        await using (var first = ClusterFixture.Build(1, dynalite.Endpoint))
        {
            await first.DeployAsync();
            var grain = first.Client.GetGrain<ISettingsGrain>(key);
            await grain.SetAsync(new AlertSettings { Name = "before the restart", Enabled = true, Limits = new() { ["perDay"] = 3 } });
            written = await grain.GetAsync();
        }

        await using var second = ClusterFixture.Build(1, dynalite.Endpoint);
        await second.DeployAsync();
        var read = await second.Client.GetGrain<ISettingsGrain>(key).GetAsync();

        Assert.True(read.RecordExists);
        Assert.NotEqual(written.ActivationId, read.ActivationId);
        Assert.Equal(written.Etag, read.Etag);
        Assert.Equal("before the restart", read.Settings.Name);
        Assert.True(read.Settings.Enabled);
        Assert.Equal(3, read.Settings.Limits["perDay"]);
    }

    [Fact]
    public async Task A_silo_with_invalid_options_does_not_start_and_says_which_option()
    {
        await using var cluster = ClusterFixture.Build(1, dynalite.Endpoint, options =>
        {
            options.TableName = "x";
            options.Service = "";
        });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => cluster.DeployAsync());

        var configuration = Assert.IsType<OrleansConfigurationException>(Flatten(error).First(e => e is OrleansConfigurationException));
        Assert.Contains($"DynamoDB grain storage '{ClusterFixture.StorageName}'", configuration.Message, StringComparison.Ordinal);
        Assert.Contains("TableName must be 3 to 255", configuration.Message, StringComparison.Ordinal);
        Assert.Contains("Service is required", configuration.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ClusterFixture.SecretKey, configuration.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }
}
