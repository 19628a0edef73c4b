namespace Rewind.Core.ControlPlane.Storage;

/// <summary>
/// Brings a store to its schema version once per instance, before the first use of a store that shares the
/// database (the audit log, the token store); later calls cost nothing. A refusal is not remembered: each call
/// refuses again.
/// </summary>
public sealed class SchemaGate(IStoreDatabase database, StoreSchemaStatements statements, TimeProvider? clock = null)
{
    private volatile bool _done;

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_done)
        {
            return;
        }

        await StoreSchema.EnsureAsync(database, statements, clock ?? TimeProvider.System, cancellationToken);
        _done = true;
    }
}
