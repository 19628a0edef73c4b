using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Rewind.Sqlite;

/// <summary>
/// A prepared statement stepped through SQLite's own API (SQLitePCL) on an open connection, for the per-record hot
/// path: binding encodes each string into one reused buffer and a step allocates nothing, where a
/// <see cref="SqliteCommand"/> execution allocates a reader, a statement enumerator and each parameter's UTF-8 copy.
/// Strings are encoded exactly as Microsoft.Data.Sqlite encodes them (<see cref="Encoding.UTF8"/>), so what is
/// written is byte for byte what a command would write.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private byte[] _scratch = new byte[1024];

    private SqliteStatement(sqlite3 db, sqlite3_stmt statement)
    {
        _db = db;
        _statement = statement;
    }

    public static SqliteStatement Prepare(SqliteConnection connection, string sql)
    {
        var db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        var rc = raw.sqlite3_prepare_v2(db, sql, out var statement);
        SqliteException.ThrowExceptionForRC(rc, db);
        return new SqliteStatement(db, statement);
    }

    /// <summary>Binds parameter <paramref name="index"/> (1-based) to text, or to NULL when <paramref name="value"/> is null.</summary>
    public void Bind(int index, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(_statement, index));
            return;
        }

        var size = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (size > _scratch.Length)
        {
            _scratch = new byte[Math.Max(size, _scratch.Length * 2)];
        }

        // SQLite copies the bytes (SQLITE_TRANSIENT), so the buffer is free again for the next parameter.
        var length = Encoding.UTF8.GetBytes(value, _scratch);
        Check(raw.sqlite3_bind_text(_statement, index, _scratch.AsSpan(0, length)));
    }

    /// <summary>Steps once: true when a row is ready to read, false when the statement is done.</summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }

        if (rc != raw.SQLITE_DONE)
        {
            // The error is the statement's: reset it so the message and code are the failing step's own.
            raw.sqlite3_reset(_statement);
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        return false;
    }

    /// <summary>Runs a statement that returns no rows and resets it; returns how many rows it changed.</summary>
    public int Execute()
    {
        Step();
        var changes = raw.sqlite3_changes(_db);
        Reset();
        return changes;
    }

    /// <summary>The current row's column as a string when it holds text, else null (as a command's scalar read <c>as string</c>).</summary>
    public string? Text(int column) =>
        raw.sqlite3_column_type(_statement, column) == raw.SQLITE_TEXT ? Encoding.UTF8.GetString(raw.sqlite3_column_blob(_statement, column)) : null;

    /// <summary>
    /// The current row's column as the UTF-8 bytes SQLite holds when it is valid UTF-8 text; false for anything else
    /// (NULL, another type, or text with invalid bytes, which <see cref="Text"/> reads with replacement characters).
    /// The bytes are valid until the statement steps or resets.
    /// </summary>
    public bool TryUtf8(int column, out ReadOnlySpan<byte> bytes)
    {
        if (raw.sqlite3_column_type(_statement, column) != raw.SQLITE_TEXT)
        {
            bytes = default;
            return false;
        }

        bytes = raw.sqlite3_column_blob(_statement, column);
        return System.Text.Unicode.Utf8.IsValid(bytes);
    }

    public void Reset() => raw.sqlite3_reset(_statement);

    public void Dispose() => _statement.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
