using System.Globalization;
using CsCheck;
using Microsoft.Data.Sqlite;
using Rewind.Tests.Support;

namespace Rewind.Tests.Storage;

/// <summary>Value fidelity on SQLite: REAL ±Infinity (NaN is NULL there), text of any bytes, blobs, 64-bit integers.</summary>
public sealed class SqliteValueFidelityContractTests() : ValueFidelityContractTests(new SqliteProvider())
{
    protected override Gen<double> RealGen => Gen.OneOf(Gen.Double.Where(d => !double.IsNaN(d)), SpecialReals);

    protected override Gen<byte[]> TextGen => Gen.OneOf(Utf8Text, Gen.Byte.Array[0, 20], Gen.Const(new byte[] { 0x61, 0xFF, 0x00, 0xC3 }));

    protected override Gen<string> IntegerGen => Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture));

    protected override Task CreateTableAsync(string database, string table) =>
        new SqliteProvider().ExecuteAsync(database, $"CREATE TABLE \"{table}\" (id TEXT PRIMARY KEY, r REAL, t TEXT, b BLOB, n INTEGER)");

    protected override (string Row, string Why) Unstorable => ("""{"id":"b","r":{"$real":"NaN"}}""", "SQLite cannot store NaN");

    protected override Task CreateGeneratedTableAsync(string database) =>
        new SqliteProvider().ExecuteAsync(database, "CREATE TABLE derived (id TEXT PRIMARY KEY, n INTEGER, g INTEGER GENERATED ALWAYS AS (n * 2) STORED)");

    protected override async Task InsertAsync(string database, string table, IReadOnlyList<ValueRow> rows)
    {
        await using var connection = await OpenAsync(database);
        foreach (var row in rows)
        {
            await using var command = connection.CreateCommand();

            // Text goes in as a blob cast to TEXT, which keeps its bytes whether or not they are valid UTF-8.
            command.CommandText = $"INSERT INTO \"{table}\" (id, r, t, b, n) VALUES ($id, $r, CAST($t AS TEXT), $b, $n)";
            command.Parameters.AddWithValue("$id", row.Id);
            command.Parameters.AddWithValue("$r", (object?)row.Real ?? DBNull.Value);
            command.Parameters.AddWithValue("$t", (object?)row.Text ?? DBNull.Value);
            command.Parameters.AddWithValue("$b", (object?)row.Blob ?? DBNull.Value);
            command.Parameters.AddWithValue("$n", row.Integer is null ? DBNull.Value : long.Parse(row.Integer, CultureInfo.InvariantCulture));
            await command.ExecuteNonQueryAsync();
        }
    }

    protected override async Task<IReadOnlyList<string>> DumpAsync(string database, string table)
    {
        await using var connection = await OpenAsync(database);
        await using var command = connection.CreateCommand();

        // %!.17g names every double uniquely; hex() of text is its stored bytes.
        command.CommandText = $"""
            SELECT id || ' r=' || typeof(r) || ':' || CASE typeof(r) WHEN 'real' THEN printf('%!.17g', r) ELSE quote(r) END
                || ' t=' || typeof(t) || ':' || hex(t) || ' b=' || typeof(b) || ':' || hex(b) || ' n=' || typeof(n) || ':' || quote(n)
            FROM "{table}" ORDER BY id
            """;
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private static async Task<SqliteConnection> OpenAsync(string database)
    {
        var connection = new SqliteConnection($"Data Source={database["sqlite:".Length..]};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }
}
