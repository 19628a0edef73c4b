namespace Rewind.Tests.Support;

/// <summary>
/// One storage engine for the conformance suite: makes fresh, isolated target databases and control-plane
/// stores, and runs raw SQL on a target (for out-of-band edits a test needs to make).
/// </summary>
public abstract class StorageProvider
{
    public abstract string Engine { get; }

    /// <summary>A new empty target database; returns its <c>database:</c> string as <c>rewind.yaml</c> takes it.</summary>
    public abstract Task<string> CreateTargetDatabaseAsync(TestFolder folder, string name);

    /// <summary>A new empty control-plane store; returns its <c>store:</c> string.</summary>
    public abstract Task<string> CreateControlPlaneAsync(TestFolder folder);

    /// <summary>Runs SQL on a target database (portable SQL only: tests use it on both engines).</summary>
    public abstract Task ExecuteAsync(string database, string sql);

    /// <summary>Runs a scalar query on a target database.</summary>
    public abstract Task<object?> ScalarAsync(string database, string sql);
}
