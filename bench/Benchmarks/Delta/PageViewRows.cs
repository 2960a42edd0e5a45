using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Benchmarks.Delta;

/// <summary>The row the Delta sink benchmark writes: strings, longs, a timestamp and a map, as a per-user summary a state might emit.</summary>
public sealed record PageViewRow(string User, string Page, string Region, long Views, long Bytes, long DurationMs, DateTimeOffset LastSeen, Dictionary<string, long> ByType);

/// <summary>
/// One barrier's rows: <see cref="Partitions"/> batches of <see cref="RowsPerBatch"/> rows, deterministic by epoch, as
/// typed rows (the yardstick's input) and as the JSON a partition stages them in (the sink's input).
/// </summary>
internal sealed class PageViewRows(int partitions, int rowsPerBatch)
{
    public const string StateName = "page-views";

    private static readonly string[] s_regions = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1", "ap-northeast-1", "sa-east-1", "ca-central-1"];
    private static readonly DateTimeOffset s_base = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public static RowSchema Schema { get; } = RowSchema.For(typeof(PageViewRow));

    public int Partitions { get; } = partitions;

    public int RowsPerBatch { get; } = rowsPerBatch;

    public (PageViewRow[][] Typed, SinkEpochBatch[] Batches) Epoch(long epoch)
    {
        var typed = new PageViewRow[Partitions][];
        var batches = new SinkEpochBatch[Partitions];
        for (var p = 0; p < Partitions; p++)
        {
            var rows = new PageViewRow[RowsPerBatch];
            var sinkRows = new SinkRow[RowsPerBatch];
            for (var i = 0; i < RowsPerBatch; i++)
            {
                var n = (epoch * Partitions + p) * RowsPerBatch + i;
                var row = Row(n);
                rows[i] = row;
                sinkRows[i] = new SinkRow($"{StateName}/{p}/{epoch}/e{i}", row.User, StateSerializer.Serialize(row));
            }

            typed[p] = rows;
            batches[p] = new SinkEpochBatch(StateName, p, epoch, SinkOutputKind.Emitted, Schema, sinkRows);
        }

        return (typed, batches);
    }

    private static PageViewRow Row(long n)
    {
        var mixed = (ulong)n * 0x9e3779b97f4a7c15UL;
        var views = (long)(mixed >> 54) + 1;
        return new PageViewRow(
            $"user-{(mixed >> 20) % 200_000:D6}",
            $"/catalog/{(mixed >> 8) % 997}/item-{n % 10_007}",
            s_regions[(int)((mixed >> 40) % (ulong)s_regions.Length)],
            views,
            views * 18_432 + (long)(mixed % 4096),
            (long)((mixed >> 12) % 600_000),
            s_base.AddTicks((long)(mixed % (30UL * TimeSpan.TicksPerDay)) / 10 * 10),
            new Dictionary<string, long> { ["click"] = views / 3, ["scroll"] = views / 2, ["view"] = views });
    }
}
