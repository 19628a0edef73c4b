using Rewind.Core.Configuration;

namespace Rewind.Core.Engine;

public sealed partial class RewindEngine
{
    /// <summary>
    /// Audits a change of <c>rewind.yaml</c> (seed 001 §13): called as an operation starts, it compares the file's
    /// digest with the one the last operation ran under, and on a change appends one <c>config-changed</c> entry
    /// (old and new digests, the sections that changed). Of several processes noticing one change, one records it.
    /// The first configuration a store sees is only remembered, as the baseline. Returns true when it appended.
    /// </summary>
    public async Task<bool> RecordConfigChangeAsync(string who, CancellationToken cancellationToken = default)
    {
        var now = _config.Sections;
        if (now.Digests.Count == 0)
        {
            return false;
        }

        var seen = await _store.GetConfigSeenAsync(cancellationToken);
        var before = seen is null ? null : ConfigSections.FromJson(seen);
        if (before?.Digest == now.Digest || !await _store.SwapConfigSeenAsync(seen, now.ToJson(), cancellationToken) || before is null)
        {
            return false;
        }

        var changed = now.ChangedFrom(before);
        var started = _time.GetUtcNow();
        await _audit.AppendAsync(new Audit.AuditEntry
        {
            At = started,
            Who = who,
            Operation = "config-changed",
            FromVersion = before.Digest,
            ToVersion = now.Digest,
            StartedAt = started,
            EndedAt = started,
            Outcome = "succeeded",
            Detail = $"sections changed: {string.Join(", ", changed)}",
        }, cancellationToken);
        return true;
    }
}
