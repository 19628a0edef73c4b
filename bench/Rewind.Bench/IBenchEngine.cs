namespace Rewind.Bench;

/// <summary>What the harness needs from one storage engine besides Rewind itself: databases, seeding, the plain baseline and the backup.</summary>
internal interface IBenchEngine : IAsyncDisposable
{
    string Name { get; }

    /// <summary>The engine and its version, for the report.</summary>
    string Description { get; }

    /// <summary>A new empty database; returns the target's database string (<c>sqlite:PATH</c> or <c>postgres:…</c>).</summary>
    Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken);

    /// <summary>Creates Rewind's tables and loads the target's state before the deploy: prior records and the reference table.</summary>
    Task SeedTargetAsync(string database, Workload workload, CancellationToken cancellationToken);

    /// <summary>Creates the baseline's bare tables (same shape as <c>rw_records</c> and the reference table) holding the same prior rows.</summary>
    Task SeedBaselineAsync(string database, Workload workload, CancellationToken cancellationToken);

    /// <summary>Puts the baseline's tables back to their seeded state (not timed).</summary>
    Task ResetBaselineAsync(string database, CancellationToken cancellationToken);

    /// <summary>The ways this engine's plain write of rows from memory is measured; the fastest is the engine's limit.</summary>
    IReadOnlyList<string> LimitPaths { get; }

    /// <summary>The plain write of rows already in memory by one of <see cref="LimitPaths"/> (timed).</summary>
    Task RunLimitAsync(string database, BundleRows rows, string path, CancellationToken cancellationToken);

    /// <summary>The client loop (timed): the bundle's NDJSON parsed as it is read and written row by row (the previous baseline).</summary>
    Task RunClientLoopAsync(string database, string bundle, CancellationToken cancellationToken);

    /// <summary>What the baseline's tables hold, summed (not timed): every way of writing the same rows must give the same.</summary>
    Task<string> BaselineFingerprintAsync(string database, CancellationToken cancellationToken);

    /// <summary>Housekeeping between repetitions, the same for every measure (not timed).</summary>
    Task MaintainAsync(string database, CancellationToken cancellationToken);

    /// <summary>Adds a business table of <paramref name="rows"/> rows (with a secondary index) beside the metadata.</summary>
    Task AddBusinessTableAsync(string database, long rows, CancellationToken cancellationToken);

    /// <summary>A platform table <c>price_list</c> (surrogate id, unique natural key <c>sku</c>) of <paramref name="rows"/> rows.</summary>
    Task AddPlatformTableAsync(string database, long rows, CancellationToken cancellationToken);

    /// <summary>Takes a whole-database backup (not timed).</summary>
    Task BackupAsync(string database, CancellationToken cancellationToken);

    /// <summary>The file the backup is kept in (evicted from the page cache before a cold restore).</summary>
    string BackupFile(string database);

    /// <summary>Restores the whole-database backup over the target (timed): the classic rollback plan.</summary>
    Task RestoreAsync(string database, CancellationToken cancellationToken);

    /// <summary>The database's size on disk in bytes.</summary>
    Task<long> SizeAsync(string database, CancellationToken cancellationToken);

    /// <summary>Removes a database the harness no longer needs.</summary>
    Task DropDatabaseAsync(string database, CancellationToken cancellationToken);
}
