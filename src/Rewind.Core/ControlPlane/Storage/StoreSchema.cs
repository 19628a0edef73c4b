namespace Rewind.Core.ControlPlane.Storage;

/// <summary>
/// One numbered upgrade of Rewind's own tables. <paramref name="SkipWhen"/>, if given, is a query whose true (or
/// non-zero) answer says the change is there already: a store made before versions existed may hold it or not.
/// An empty <paramref name="Sql"/> keeps the numbers the same on every engine where one needs no change.
/// </summary>
public sealed record SchemaStep(int Version, string Description, string Sql, string? SkipWhen = null);

/// <summary>
/// The SQL an engine supplies for its schema: the ordered steps and the statements of the version table
/// (<c>rw_schema</c> on every engine: one row, the version and when it was applied).
/// </summary>
public sealed record StoreSchemaStatements(
    IReadOnlyList<SchemaStep> Steps,
    string VersionTableExists,
    string CreateVersionTable,
    string ReadVersion,
    string WriteVersion);

/// <summary>
/// Brings a store's tables to the version this code knows, step by step, in one write transaction that also
/// serialises concurrent openers; a store newer than the code is refused and left untouched. A store made before
/// versions existed (tables created if missing, no version row) counts as version 0: step 1 is those tables.
/// </summary>
public static class StoreSchema
{
    /// <summary>The name of the version table, the same on every engine.</summary>
    public const string VersionTable = "rw_schema";

    private const string SerialiseKey = "rewind-schema";

    /// <summary>The version this code brings a store to: the last step's.</summary>
    public static int CurrentVersion(StoreSchemaStatements statements) => statements.Steps[^1].Version;

    /// <summary>The store's version, or 0 when it has no version table (new, or made before versions existed).</summary>
    public static async Task<int> ReadVersionAsync(IStoreConnection connection, StoreSchemaStatements statements, CancellationToken cancellationToken)
    {
        if (!Truthy(await connection.ScalarAsync(statements.VersionTableExists, cancellationToken)))
        {
            return 0;
        }

        return await connection.ScalarAsync(statements.ReadVersion, cancellationToken) is { } version ? Convert.ToInt32(version, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Upgrades the store to <see cref="CurrentVersion"/>; a store at it already is only read (no write lock, no DDL rights needed).</summary>
    public static async Task EnsureAsync(IStoreDatabase database, StoreSchemaStatements statements, TimeProvider clock, CancellationToken cancellationToken)
    {
        var current = CurrentVersion(statements);
        await using var connection = await database.OpenAsync(cancellationToken);
        var found = await ReadVersionAsync(connection, statements, cancellationToken);
        if (found == current)
        {
            return;
        }

        RefuseIfNewer(database, found, current);
        // A failure before the commit leaves nothing behind: closing the connection rolls the transaction back.
        await connection.BeginWriteAsync(SerialiseKey, cancellationToken);

        // Read again under the write lock: another process may have upgraded (or a newer one written) meanwhile.
        found = await ReadVersionAsync(connection, statements, cancellationToken);
        RefuseIfNewer(database, found, current);
        foreach (var step in statements.Steps.Where(s => s.Version > found))
        {
            if (step.Sql.Length > 0 && (step.SkipWhen is null || !Truthy(await connection.ScalarAsync(step.SkipWhen, cancellationToken))))
            {
                await connection.ExecuteAsync(step.Sql, cancellationToken);
            }
        }

        if (found < current)
        {
            await connection.ExecuteAsync(statements.CreateVersionTable, cancellationToken);
            await connection.ExecuteAsync(statements.WriteVersion, cancellationToken, ("version", current), ("applied_at", clock.GetUtcNow()));
        }

        await connection.CommitAsync(cancellationToken);
    }

    private static void RefuseIfNewer(IStoreDatabase database, int found, int current)
    {
        if (found > current)
        {
            throw new RefusedException("store-newer",
                $"the store {database.Describe()} is at schema version {found}, newer than this rewind knows (version {current}); nothing was changed. Run a rewind that knows schema version {found}, or restore the store from before it was upgraded.");
        }
    }

    private static bool Truthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        _ => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) != 0,
    };
}
