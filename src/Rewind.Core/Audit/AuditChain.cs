using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Rewind.Core.Audit;

/// <summary>
/// The hash chain over the audit log: each entry's hash covers its own fields and the previous entry's
/// hash, so changing, removing or reordering any entry breaks every hash after it.
/// </summary>
public static class AuditChain
{
    public static readonly string Genesis = new('0', 64);

    public static string Hash(AuditEntry entry)
    {
        // Fixed field order and formats: the hash must not depend on how a store round-trips the entry.
        string[] fields =
        [
            entry.Seq.ToString(CultureInfo.InvariantCulture), Time(entry.At), entry.Who, entry.Operation, entry.Target ?? "",
            entry.Deployment ?? "", entry.Reason ?? "", entry.FromVersion ?? "", entry.ToVersion ?? "",
            Time(entry.StartedAt), Time(entry.EndedAt), entry.Outcome, entry.Detail ?? "", entry.PrevHash,
            // Only when set: entries written before the flag existed keep their hashes.
            .. entry.OverBudget ? new[] { "overBudget" } : [],
        ];
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(fields))));
    }

    /// <summary>Seals an entry onto the chain after <paramref name="previousHash"/>.</summary>
    public static AuditEntry Seal(AuditEntry entry, long seq, string previousHash)
    {
        var sealedEntry = entry with { Seq = seq, At = Truncate(entry.At), StartedAt = Truncate(entry.StartedAt), EndedAt = Truncate(entry.EndedAt), PrevHash = previousHash };
        return sealedEntry with { Hash = Hash(sealedEntry) };
    }

    /// <summary>
    /// Null when the chain is intact and agrees with its head row and with every anchor kept outside the log,
    /// else the first problem, in words.
    /// </summary>
    public static string? Verify(IEnumerable<AuditEntry> entries, long? headCount, string? headHash, IReadOnlyCollection<AuditAnchor>? anchors = null)
    {
        var previous = Genesis;
        long count = 0;
        long lastSeq = 0;
        var hashes = new Dictionary<long, string>();
        foreach (var entry in entries)
        {
            count++;
            if (entry.Seq <= lastSeq)
            {
                return $"entry {entry.Seq}: out of order after entry {lastSeq}";
            }

            if (entry.PrevHash != previous)
            {
                return $"entry {entry.Seq}: does not follow the entry before it (an entry was removed, inserted or reordered before #{entry.Seq})";
            }

            if (Hash(entry) != entry.Hash)
            {
                return $"entry {entry.Seq}: its content was changed after it was written ({entry.Operation} on {entry.Target} by {entry.Who})";
            }

            // Entries are numbered 1, 2, 3…: a gap is an entry removed and the chain recomputed over the rest.
            if (entry.Seq != count)
            {
                return $"entry {entry.Seq}: expected #{count} here (entries were removed and the chain recomputed)";
            }

            previous = entry.Hash;
            lastSeq = entry.Seq;
            hashes[entry.Seq] = entry.Hash;
        }

        if (AnchorProblem(hashes, lastSeq, anchors ?? []) is { } anchorProblem)
        {
            return anchorProblem;
        }

        if (headCount is not null && headCount != count)
        {
            return $"the log holds {count} entries but {headCount} were written: entries after #{lastSeq} were removed";
        }

        return headHash is not null && headHash != previous ? $"entry {lastSeq}: the newest entry is not the last one written" : null;
    }

    private static string? AnchorProblem(Dictionary<long, string> hashes, long lastSeq, IReadOnlyCollection<AuditAnchor> anchors)
    {
        // Newest anchor first: it covers the most entries, so its message names the widest loss.
        foreach (var anchor in anchors.OrderByDescending(a => a.Head.Seq))
        {
            var (seq, hash) = (anchor.Head.Seq, anchor.Head.Hash);
            if (seq > lastSeq)
            {
                return lastSeq == 0
                    ? $"the log is empty but {anchor.Source} records that entry #{seq} was written: every entry was deleted"
                    : $"the log ends at entry #{lastSeq} but {anchor.Source} records that entry #{seq} was written: the last {seq - lastSeq} entr{(seq - lastSeq == 1 ? "y was" : "ies were")} deleted";
            }

            if (hashes.TryGetValue(seq, out var actual) && !string.Equals(actual, hash, StringComparison.OrdinalIgnoreCase))
            {
                return $"entry {seq}: differs from the one {anchor.Source} recorded (hash {hash[..Math.Min(12, hash.Length)]}…, now {actual[..12]}…): an entry at or before #{seq} was changed and the chain recomputed";
            }
        }

        return null;
    }

    // Stores keep microseconds at most; hash what survives the round trip.
    private static DateTimeOffset Truncate(DateTimeOffset time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    private static DateTimeOffset? Truncate(DateTimeOffset? time) => time is null ? null : Truncate(time.Value);

    private static string Time(DateTimeOffset? time) => time?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) ?? "";
}
