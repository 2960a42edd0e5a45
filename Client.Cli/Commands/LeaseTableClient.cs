using Amazon.DynamoDBv2;
using Amazon.Runtime;
using KinesisGrains.DynamoDB;

namespace KinesisGrains.Cli.Commands;

/// <summary>
/// The DynamoDB of an application's lease table, as <c>--dynamodb-url</c> (an endpoint, else <c>--region</c>) names it,
/// for the commands that change the table (reset, pause, resume); DynamoDB's failures become one sentence.
/// </summary>
internal sealed class LeaseTableClient : IDisposable
{
    private LeaseTableClient(string service, IAmazonDynamoDB dynamoDB)
    {
        Service = service;
        DynamoDB = dynamoDB;
    }

    /// <summary>The endpoint or region, as messages name it.</summary>
    public string Service { get; }

    public IAmazonDynamoDB DynamoDB { get; }

    public static LeaseTableClient Open(System.CommandLine.ParseResult parse)
    {
        var region = parse.GetValue(CommonOptions.Region)!;
        var service = parse.GetValue(ResetCommand.LeaseTableEndpoint) ?? region;
        return new LeaseTableClient(service, DynamoDBClientFactory.Create(service, accessKey: null, secretKey: null, token: null, profileName: null, authenticationRegion: region));
    }

    /// <summary>Runs <paramref name="operation"/>; a refusal or an unreachable DynamoDB fails the command with a sentence naming <paramref name="what"/>.</summary>
    public async Task<T> RunAsync<T>(string what, Func<IAmazonDynamoDB, Task<T>> operation)
    {
        try
        {
            return await operation(DynamoDB);
        }
        catch (AmazonServiceException exception)
        {
            throw CliException.Runtime($"DynamoDB at {Service} refused the {what}: {exception.Message}", exception);
        }
        catch (AmazonClientException exception)
        {
            throw CliException.Runtime($"Cannot reach DynamoDB at {Service}: {exception.Message}", exception);
        }
    }

    public void Dispose() => DynamoDB.Dispose();
}
