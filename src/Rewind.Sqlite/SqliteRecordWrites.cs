using Microsoft.Data.Sqlite;
using Rewind.Core.Bundles;
using Rewind.Core.Targets;

namespace Rewind.Sqlite;

/// <summary>
/// Applies records to <c>rw_records</c> inside a session's transaction (<see cref="ITargetSession.ApplyRecordsAsync"/>):
/// prepared statements stepped once per record through <see cref="SqliteStatement"/>, which is SQLite's fastest path.
/// </summary>
internal sealed class SqliteRecordWrites : IDisposable
{
    private const string SelectRecord = "SELECT body FROM rw_records WHERE layer = ?1 AND type = ?2 AND key = ?3";
    private const string UpsertRecord = "INSERT INTO rw_records (layer, type, key, body) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (layer, type, key) DO UPDATE SET body = excluded.body";
    private const string DeleteRecord = "DELETE FROM rw_records WHERE layer = ?1 AND type = ?2 AND key = ?3";
    private const string InsertRecord = "INSERT INTO rw_records (layer, type, key, body) VALUES (?1, ?2, ?3, ?4)";
    private const string UpdateRecord = "UPDATE rw_records SET body = ?4 WHERE layer = ?1 AND type = ?2 AND key = ?3";

    // A rollback's writes, each conditional on the record still holding what the deployment wrote (?5): one
    // statement instead of a read and a write, and the comparison stays inside SQLite (BINARY collation compares
    // the UTF-8 bytes, the same as an ordinal string comparison).
    private const string UpdateIfWritten = "UPDATE rw_records SET body = ?4 WHERE layer = ?1 AND type = ?2 AND key = ?3 AND body = ?5";
    private const string DeleteIfWritten = "DELETE FROM rw_records WHERE layer = ?1 AND type = ?2 AND key = ?3 AND body = ?4";
    private const string InsertIfAbsent = "INSERT INTO rw_records (layer, type, key, body) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (layer, type, key) DO NOTHING";

    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, SqliteStatement> _statements = new(StringComparer.Ordinal);

    public SqliteRecordWrites(SqliteConnection connection) => _connection = connection;

    public async Task ApplyAsync(IAsyncEnumerable<RecordChange> changes, IPriorImageSink? priorSink, CancellationToken cancellationToken)
    {
        var watcher = priorSink as ILiveEditWatcher;
        await foreach (var change in changes.WithCancellation(cancellationToken))
        {
            bool? exists = null;
            if (watcher is not null)
            {
                var written = await watcher.WrittenAsync(change.Address, cancellationToken);
                if (written.Known && WriteIfUnedited(change, written.Body))
                {
                    continue;
                }

                // Edited since the deployment (or not in it): keep the current image, then write unconditionally.
                var current = Read(change.Address);
                if (!written.Known || !string.Equals(written.Body, current, StringComparison.Ordinal))
                {
                    await watcher.OnEditedAsync(change, current, cancellationToken);
                }

                exists = current is not null;
            }
            else if (priorSink is not null)
            {
                await CaptureAsync(priorSink, change, out var found, cancellationToken);
                exists = found;
            }

            Write(change, exists);
        }
    }

    /// <summary>The current body of a record, or null when it is absent.</summary>
    public string? Read(RecordKey address)
    {
        var select = Bound(SelectRecord, address);
        var body = select.Step() ? select.Text(0) : null;
        select.Reset();
        return body;
    }

    /// <summary>
    /// Hands the record's prior image to the sink (as SQLite's UTF-8 bytes when it can: no decode, no re-encode) and
    /// says whether the record exists. The sink takes the bytes before the statement is reset.
    /// </summary>
    private ValueTask CaptureAsync(IPriorImageSink sink, RecordChange change, out bool exists, CancellationToken cancellationToken)
    {
        var select = Bound(SelectRecord, change.Address);
        try
        {
            if (!select.Step())
            {
                exists = false;
                return sink.OnPriorAsync(change, null, cancellationToken);
            }

            if (select.TryUtf8(0, out var prior))
            {
                exists = true;
                return sink.OnPriorUtf8Async(change, prior, cancellationToken);
            }

            var text = select.Text(0);
            exists = text is not null;
            return sink.OnPriorAsync(change, text, cancellationToken);
        }
        finally
        {
            select.Reset();
        }
    }

    /// <summary>
    /// Writes the change. When the prior image was read (a capture, or a rollback's live-edit watcher) it says whether
    /// the record exists, and the session holds the write lock, so that cannot change in between: a plain UPDATE or
    /// INSERT then does what the upsert would, without its probing insert. A delete of an absent record does nothing.
    /// </summary>
    private void Write(RecordChange change, bool? exists)
    {
        var sql = (change.Body, exists) switch
        {
            (null, false) => null,
            (null, _) => DeleteRecord,
            (_, true) => UpdateRecord,
            (_, false) => InsertRecord,
            _ => UpsertRecord,
        };
        if (sql is null)
        {
            return;
        }

        var command = Bound(sql, change.Address);
        if (change.Body is not null)
        {
            command.Bind(4, change.Body);
        }

        command.Execute();
    }

    /// <summary>
    /// Writes the change only if the record holds exactly <paramref name="written"/> (null: is absent), in one
    /// statement; false when it holds anything else, and then nothing was changed.
    /// </summary>
    private bool WriteIfUnedited(RecordChange change, string? written)
    {
        var sql = (change.Body, written) switch
        {
            (not null, not null) => UpdateIfWritten,
            (null, not null) => DeleteIfWritten,
            (not null, null) => InsertIfAbsent,
            _ => null,
        };
        if (sql is null)
        {
            // The deployment deleted it and so does the inverse: nothing to write either way.
            return false;
        }

        var command = Bound(sql, change.Address);
        command.Bind(4, change.Body ?? written);
        if (sql == UpdateIfWritten)
        {
            command.Bind(5, written);
        }

        return command.Execute() == 1;
    }

    private SqliteStatement Bound(string sql, RecordKey address)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = SqliteStatement.Prepare(_connection, sql);
            _statements[sql] = statement;
        }

        statement.Bind(1, address.Layer);
        statement.Bind(2, address.Type);
        statement.Bind(3, address.Key);
        return statement;
    }

    public void Dispose()
    {
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }
    }
}
