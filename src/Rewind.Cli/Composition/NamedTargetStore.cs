using Rewind.Core.Configuration;
using Rewind.Core.Targets;

namespace Rewind.Cli.Composition;

/// <summary>
/// A target store that names its target when its database cannot be reached: the adapter knows the host, the
/// composition root knows whose database it is, and the operator needs both ("target eu-3's database, PostgreSQL
/// at db7:5432") — never the connection string, which may hold a password.
/// </summary>
internal sealed class NamedTargetStore(string target, ITargetStore inner) : ITargetStore
{
    public bool Exists => inner.Exists;

    public Task<ITargetSession> BeginAsync(CancellationToken cancellationToken = default) => Named(() => inner.BeginAsync(cancellationToken));

    public Task<ITargetSession?> BeginReadOnlyAsync(CancellationToken cancellationToken = default) => Named(() => inner.BeginReadOnlyAsync(cancellationToken));

    public Task<TargetSnapshot> SnapshotAsync(CancellationToken cancellationToken = default) => Named(() => inner.SnapshotAsync(cancellationToken));

    public Task<object?> EvaluateAsync(string sql, CancellationToken cancellationToken = default) => Named(() => inner.EvaluateAsync(sql, cancellationToken));

    public Task<TableBaseline?> MeasureAsync(BusinessTable table, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        Named(() => inner.MeasureAsync(table, at, cancellationToken));

    public Task<BusinessImpact> ImpactAsync(BusinessTable table, TableBaseline baseline, int rowLimit, CancellationToken cancellationToken = default) =>
        Named(() => inner.ImpactAsync(table, baseline, rowLimit, cancellationToken));

    public Task<IReadOnlyList<QuarantinedTable>> ListQuarantineAsync(CancellationToken cancellationToken = default) => Named(() => inner.ListQuarantineAsync(cancellationToken));

    public Task<TargetClone> CloneAsync(IReadOnlyCollection<string> tables, CancellationToken cancellationToken = default) => Named(() => inner.CloneAsync(tables, cancellationToken));

    public Task WriteAuditAnchorAsync(Rewind.Core.Audit.AuditHead head, CancellationToken cancellationToken = default) =>
        Named(async () =>
        {
            await inner.WriteAuditAnchorAsync(head, cancellationToken);
            return true;
        });

    public Task<Rewind.Core.Audit.AuditHead?> ReadAuditAnchorAsync(CancellationToken cancellationToken = default) => Named(() => inner.ReadAuditAnchorAsync(cancellationToken));

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private async Task<T> Named<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (DatabaseUnreachableException e)
        {
            throw e.ForTarget(target);
        }
    }
}
