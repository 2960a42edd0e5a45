using BenchmarkDotNet.Attributes;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Kpl;
using KinesisGrains.Tests.Kpl;

namespace KinesisGrains.Benchmarks.Kpl;

/// <summary>
/// De-aggregating one KPL aggregate of 100 user records of 100 bytes, each with its own partition key, as a KPL
/// producer packs them. Yardsticks in the same run: Google.Protobuf doing the same job, the MD5 check alone, and a
/// loop that only copies the same payload bytes.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class KplDeaggregationBenchmarks
{
    public const int RecordsPerAggregate = 100;
    public const int BytesPerRecord = 100;

    private readonly List<UserRecord> _output = new(RecordsPerAggregate);
    private readonly ProtobufYardstick _protobuf = new();
    private readonly byte[] _copyTarget = new byte[RecordsPerAggregate * BytesPerRecord];
    private KinesisRecord _record = null!;
    private HashKeyRange _wholeRange = null!;
    private (int Offset, int Length)[] _slices = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var entries = Enumerable.Range(0, RecordsPerAggregate).Select(i =>
        {
            var data = new byte[BytesPerRecord];
            random.NextBytes(data);
            return new AggregateEntry($"device-{i:D4}-{random.Next():x8}", null, data);
        }).ToList();
        var aggregate = KplAggregateWriter.Write(entries);
        _record = new KinesisRecord("49590338271490256608559692538361571095921575989136588898", DateTimeOffset.UnixEpoch, aggregate, entries[0].PartitionKey);
        _wholeRange = new HashKeyRange(UInt128.Zero, UInt128.MaxValue);

        // Fail fast rather than measure a pass-through.
        if (Ours() != RecordsPerAggregate || OursWithShardRange() != RecordsPerAggregate || GoogleProtobuf() != RecordsPerAggregate)
        {
            throw new InvalidOperationException("The benchmark aggregate did not de-aggregate into every record.");
        }

        _slices = [.. _output.Select(r => System.Runtime.InteropServices.MemoryMarshal.TryGetArray(r.Data, out var s) ? (s.Offset, s.Count) : default)];
    }

    [Benchmark(Baseline = true)]
    public int Ours()
    {
        _output.Clear();
        KplDeaggregator.Default.Deaggregate(_record, _output);
        return _output.Count;
    }

    /// <summary>As a KCL-style consumer calls it: the shard's range makes it hash every partition key (MD5 each).</summary>
    [Benchmark]
    public int OursWithShardRange()
    {
        _output.Clear();
        KplDeaggregator.Default.Deaggregate(_record, _output, _wholeRange);
        return _output.Count;
    }

    [Benchmark]
    public int GoogleProtobuf() => _protobuf.Deaggregate(_record.Data);

    /// <summary>Only the MD5 over the protobuf bytes that any KCL-compatible reader must verify: the ceiling.</summary>
    [Benchmark]
    public int Md5Check()
    {
        var data = _record.Data;
        Span<byte> digest = stackalloc byte[16];
        System.Security.Cryptography.MD5.HashData(data.AsSpan(4, data.Length - 20), digest);
        return digest.SequenceEqual(data.AsSpan(data.Length - 16)) ? RecordsPerAggregate : 0;
    }

    [Benchmark]
    public int Memcpy()
    {
        var data = _record.Data.AsSpan();
        var target = _copyTarget.AsSpan();
        foreach (var (offset, length) in _slices)
        {
            data.Slice(offset, length).CopyTo(target);
            target = target[length..];
        }

        return _slices.Length;
    }
}
