using Rewind.Core.Audit;
using Rewind.Core.Configuration;
using Rewind.Core.Targets;

namespace Rewind.Core.Engine;

/// <summary>
/// The audit log with its head kept outside it: after an entry about a target is appended, the new head
/// (sequence number and hash) is written to that target's own <c>rw_audit_anchor</c>, where the control plane's
/// writer cannot rewrite it unnoticed. Verification reads every configured target's anchor back, so deleting the
/// newest entries, deleting all of them, or editing one and recomputing the chain is named by
/// <c>rewind audit --verify</c>.
/// </summary>
public sealed class AnchoredAuditLog(IAuditLog inner, RewindConfig config, ITargetStoreFactory targets) : IAuditLog
{
    /// <summary>How long an anchor write or read may wait on a busy or unreachable target before it is skipped.</summary>
    private static readonly TimeSpan AnchorDeadline = TimeSpan.FromSeconds(5);

    public async Task<AuditEntry> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        var appended = await inner.AppendAsync(entry, cancellationToken);
        if (appended.Target is { } name && config.Targets.TryGetValue(name, out var target))
        {
            await TryAnchorAsync(target, new AuditHead(appended.Seq, appended.Hash));
        }

        return appended;
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken = default) => inner.ReadAsync(query, cancellationToken);

    public Task<AuditHead?> HeadAsync(CancellationToken cancellationToken = default) => inner.HeadAsync(cancellationToken);

    /// <summary>Verifies against <paramref name="anchors"/> and every anchor the configured targets hold.</summary>
    public async Task<string?> VerifyAsync(IReadOnlyCollection<AuditAnchor> anchors, CancellationToken cancellationToken = default) =>
        (await VerifyAllAsync(anchors, cancellationToken)).Problem;

    /// <summary>As <see cref="VerifyAsync"/>, also naming the anchors checked and the targets that could not be read.</summary>
    public async Task<AuditVerification> VerifyAllAsync(IReadOnlyCollection<AuditAnchor> anchors, CancellationToken cancellationToken = default)
    {
        var all = new List<AuditAnchor>(anchors);
        var unreachable = new List<string>();
        foreach (var target in config.Targets.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            try
            {
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bounded.CancelAfter(AnchorDeadline);
                await using var store = targets.Open(target);
                if (await store.ReadAuditAnchorAsync(bounded.Token) is { } head)
                {
                    all.Add(new AuditAnchor($"target {target.Name}", head));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                unreachable.Add($"target {target.Name}: {Secrets.SecretMask.Message(e)}");
            }
        }

        return new AuditVerification(await inner.VerifyAsync(all, cancellationToken), all, unreachable);
    }

    // Best effort and bounded: the entry is already in the log; a target that is down or busy keeps its older
    // anchor, which still vouches for every entry up to it.
    private async Task TryAnchorAsync(TargetConfig target, AuditHead head)
    {
        try
        {
            using var bounded = new CancellationTokenSource(AnchorDeadline);
            await using var store = targets.Open(target);
            await store.WriteAuditAnchorAsync(head, bounded.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Nothing to undo and nobody to tell here: verification reports the anchor it finds.
        }
    }
}
