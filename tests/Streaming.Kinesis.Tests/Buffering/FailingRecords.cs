using System.Collections;
using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Tests.Buffering;

/// <summary>Records that throw once they have been read <paramref name="reads"/> times: makes a spill write fail halfway.</summary>
internal sealed class FailingRecords(IReadOnlyList<KinesisRecord> records, int reads) : IReadOnlyList<KinesisRecord>
{
    private int _reads;

    public int Count => records.Count;

    public KinesisRecord this[int index] =>
        ++_reads > reads ? throw new IOException("Simulated failure while spilling.") : records[index];

    public IEnumerator<KinesisRecord> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
