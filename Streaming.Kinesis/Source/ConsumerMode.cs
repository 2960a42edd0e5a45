namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>How shards are read (Databricks' <c>consumerMode</c>).</summary>
public enum ConsumerMode
{
    /// <summary>GetRecords calls, paced: every polling consumer of a shard shares its 2 MB/s and 5 calls/s.</summary>
    Polling,

    /// <summary>
    /// Enhanced fan-out: a registered consumer that Kinesis pushes records to over HTTP/2 (SubscribeToShard), with
    /// 2 MB/s per shard of its own and lower latency; billed per consumer-shard hour and per GB.
    /// </summary>
    Efo,
}
