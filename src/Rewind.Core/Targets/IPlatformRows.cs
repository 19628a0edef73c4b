using Rewind.Core.Bundles;

namespace Rewind.Core.Targets;

/// <summary>
/// The rows of one platform table, addressed by a unique key, inside a target session: what row changes read
/// and write. Values travel as the JSON text <see cref="RowJson"/> defines, so a value read and written back
/// is the same value byte for byte, and two values are equal exactly when their texts are. An adapter supplies
/// the statements; the three-way rule of a rollback lives in Core (<c>RowChangeApplier</c>).
/// </summary>
public interface IPlatformRows : IAsyncDisposable
{
    /// <summary>The key columns rows are addressed by: the declared unique key, or the primary key.</summary>
    IReadOnlyList<string> Key { get; }

    /// <summary>
    /// The table's primary key. When rows are addressed by another (natural) key, these columns are the table's own
    /// (a surrogate id that differs between environments): written on insert, never changed on update.
    /// </summary>
    IReadOnlyList<string> PrimaryKey { get; }

    /// <summary>Every column of the table, in the table's order.</summary>
    IReadOnlyList<string> Columns { get; }

    /// <summary>The whole row with this key, every column in table order; null when there is none.</summary>
    Task<IReadOnlyList<ColumnValue>?> ReadAsync(IReadOnlyList<ColumnValue> key, long line, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts a row with the columns given (the others take their defaults). Returns false, writing nothing, when
    /// it would collide with an existing row on a unique key (only when <paramref name="unlessConflict"/>).
    /// </summary>
    Task<bool> InsertAsync(IReadOnlyList<ColumnValue> row, long line, bool unlessConflict, CancellationToken cancellationToken = default);

    /// <summary>
    /// The whole rows at these addresses, in the order asked (null where there is none): one statement joined
    /// against the batch of keys where a statement costs a round trip, so a batch costs what its rows cost.
    /// </summary>
    /// <remarks>
    /// With <c>lockRows</c>, before writing them: the rows read stay locked until the session ends, so nobody writes
    /// one between this read and the write decided from it (an application's edit is then seen, and kept, or waits
    /// for the commit).
    /// </remarks>
    Task<IReadOnlyList<IReadOnlyList<ColumnValue>?>> ReadManyAsync(IReadOnlyList<RowAddress> addresses, bool lockRows = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// Performs these writes in order, in one round trip where the engine has them; for each, whether it wrote
    /// (false only for an insert-unless-conflict that met a taken key).
    /// </summary>
    Task<IReadOnlyList<bool>> WriteManyAsync(IReadOnlyList<RowWrite> writes, CancellationToken cancellationToken = default);
}
