using System.Text.Json;
using System.Text.Json.Nodes;
using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Tests.Support;

/// <summary>Epoch batches as a partition hands them over: row JSON in web casing, row ids by the contract's rules.</summary>
internal static class SinkBatches
{
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>A changelog batch; a null state is a deleted key.</summary>
    public static SinkEpochBatch Changelog<TState>(string stateName, int partition, long epoch, params (string Key, TState? State)[] rows)
        where TState : class
    {
        var schema = RowSchema.Changelog(typeof(TState));
        var sinkRows = rows.Select(row =>
        {
            var json = new JsonObject { ["key"] = row.Key, ["deleted"] = row.State is null };
            if (row.State is not null)
            {
                foreach (var (name, value) in JsonSerializer.SerializeToNode(row.State, Web)!.AsObject())
                {
                    json[name] = value?.DeepClone();
                }
            }

            return new SinkRow($"{stateName}/{partition}/{epoch}/c/{row.Key}", row.Key, JsonSerializer.SerializeToUtf8Bytes(json, Web));
        }).ToList();
        return new SinkEpochBatch(stateName, partition, epoch, SinkOutputKind.Changelog, schema, sinkRows);
    }

    /// <summary>An emitted batch, rows in emit order.</summary>
    public static SinkEpochBatch Emitted<TRow>(string stateName, int partition, long epoch, params (string Key, TRow Row)[] rows)
    {
        var schema = RowSchema.For(typeof(TRow));
        var sinkRows = rows.Select((row, n) =>
            new SinkRow($"{stateName}/{partition}/{epoch}/e{n}", row.Key, JsonSerializer.SerializeToUtf8Bytes(row.Row, Web))).ToList();
        return new SinkEpochBatch(stateName, partition, epoch, SinkOutputKind.Emitted, schema, sinkRows);
    }
}
