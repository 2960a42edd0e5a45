using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace KinesisGrains.Kinesis.Leasing;

/// <summary>Builds the SDK's DynamoDB client from <see cref="DynamoDbOptions"/>.</summary>
public static class DynamoDbClientFactory
{
    public static IAmazonDynamoDB Create(DynamoDbOptions options)
    {
        var config = new AmazonDynamoDBConfig
        {
            AuthenticationRegion = options.Region,
            MaxErrorRetry = 3,
            Timeout = TimeSpan.FromSeconds(20),
        };
        if (options.ServiceUrl is not null)
        {
            config.ServiceURL = options.ServiceUrl.ToString();
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        return string.IsNullOrEmpty(options.AccessKeyId)
            ? new AmazonDynamoDBClient(config)
            : new AmazonDynamoDBClient(new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey), config);
    }
}
