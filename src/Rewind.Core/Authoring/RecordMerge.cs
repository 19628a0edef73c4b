using System.Runtime.CompilerServices;
using Rewind.Core.Bundles;
using Rewind.Core.Targets;

namespace Rewind.Core.Authoring;

/// <summary>One address as the two targets hold it: each side's body, or null where that side lacks the record.</summary>
public readonly record struct MergedRecord(RecordKey Address, string? Source, string? Target)
{
    /// <summary>The bodies differ byte for byte (or one side lacks the record).</summary>
    public bool Differs => !string.Equals(Source, Target, StringComparison.Ordinal);
}

/// <summary>
/// Walks two targets' records side by side, both streams in <see cref="RecordOrder"/>, so two million-record
/// targets are compared holding one record of each at a time.
/// </summary>
public static class RecordMerge
{
    public static async IAsyncEnumerable<MergedRecord> MergeAsync(
        IAsyncEnumerable<RecordChange> source,
        IAsyncEnumerable<RecordChange> target,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var s = Ordered(source, "source", cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using var t = Ordered(target, "target", cancellationToken).GetAsyncEnumerator(cancellationToken);
        var hasS = await s.MoveNextAsync();
        var hasT = await t.MoveNextAsync();
        while (hasS || hasT)
        {
            var order = !hasS ? 1 : !hasT ? -1 : RecordOrder.Instance.Compare(s.Current.Address, t.Current.Address);
            if (order < 0)
            {
                yield return new MergedRecord(s.Current.Address, s.Current.Body, null);
                hasS = await s.MoveNextAsync();
            }
            else if (order > 0)
            {
                yield return new MergedRecord(t.Current.Address, null, t.Current.Body);
                hasT = await t.MoveNextAsync();
            }
            else
            {
                yield return new MergedRecord(s.Current.Address, s.Current.Body, t.Current.Body);
                hasS = await s.MoveNextAsync();
                hasT = await t.MoveNextAsync();
            }
        }
    }

    /// <summary>
    /// Passes the records through, failing on the first out of order: a merge over an unordered stream would
    /// report records as added and deleted that both sides hold, and a bundle made from it would be wrong.
    /// </summary>
    private static async IAsyncEnumerable<RecordChange> Ordered(IAsyncEnumerable<RecordChange> records, string side, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        RecordKey? previous = null;
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            if (previous is { } p && RecordOrder.Instance.Compare(p, record.Address) >= 0)
            {
                throw new InvalidOperationException($"the {side} returned record {record.Address} after {p}: records must come in key order");
            }

            previous = record.Address;
            yield return record;
        }
    }
}
