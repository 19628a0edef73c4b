using System.Globalization;
using System.Text;
using CsCheck;
using Npgsql;
using Rewind.Tests.Storage;

namespace Rewind.Tests.Postgres;

/// <summary>Value fidelity on PostgreSQL: float8 ±Infinity and NaN, bytea, numeric integers far past 64 bits, text.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresValueFidelityContractTests(PostgresServerFixture server) : ValueFidelityContractTests(new PostgresProvider(server))
{
    protected override Gen<double> RealGen => Gen.OneOf(Gen.Double, SpecialReals, Gen.Const(double.NaN));

    // PostgreSQL text is valid UTF-8 without NUL.
    protected override Gen<byte[]> TextGen => Gen.String.Select(s => Encoding.UTF8.GetBytes(s.Replace("\0", "", StringComparison.Ordinal)));

    protected override Gen<string> IntegerGen => Gen.OneOf(
        Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture)),
        Gen.Select(Gen.Bool, Gen.Char['0', '9'].Array[20, 60]).Select(x => (x.Item1 ? "-" : "") + "9" + new string(x.Item2)));

    protected override async Task CreateTableAsync(string database, string table)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand($"CREATE TABLE \"{table}\" (id text PRIMARY KEY, r float8, t text, b bytea, n numeric)", connection);
        await command.ExecuteNonQueryAsync();
    }

    protected override (string Row, string Why) Unstorable => ("""{"id":"b","t":{"$text-base64":"Yf8="}}""", "not valid UTF-8");

    protected override async Task CreateGeneratedTableAsync(string database)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand("CREATE TABLE derived (id text PRIMARY KEY, n bigint, g bigint GENERATED ALWAYS AS (n * 2) STORED)", connection);
        await command.ExecuteNonQueryAsync();
    }

    protected override async Task InsertAsync(string database, string table, IReadOnlyList<ValueRow> rows)
    {
        await using var connection = await OpenAsync(database);
        foreach (var row in rows)
        {
            await using var command = new NpgsqlCommand($"INSERT INTO \"{table}\" (id, r, t, b, n) VALUES (@id, @r, @t, @b, @n::numeric)", connection);
            command.Parameters.AddWithValue("id", row.Id);
            command.Parameters.AddWithValue("r", (object?)row.Real ?? DBNull.Value);
            command.Parameters.AddWithValue("t", row.Text is null ? DBNull.Value : Encoding.UTF8.GetString(row.Text));
            command.Parameters.AddWithValue("b", (object?)row.Blob ?? DBNull.Value);
            command.Parameters.AddWithValue("n", NpgsqlTypes.NpgsqlDbType.Text, (object?)row.Integer ?? DBNull.Value);
            await command.ExecuteNonQueryAsync();
        }
    }

    protected override async Task<IReadOnlyList<string>> DumpAsync(string database, string table)
    {
        await using var connection = await OpenAsync(database);
        // PostgreSQL has one NaN (every NaN compares equal, prints and dumps as NaN): its payload bits are not a value.
        await using var command = new NpgsqlCommand($"""
            SELECT id || ' r=' || coalesce(CASE WHEN r = 'NaN' THEN 'NaN' ELSE encode(float8send(r), 'hex') END, 'null') || ' t=' || coalesce(encode(convert_to(t, 'UTF8'), 'hex'), 'null')
                || ' b=' || coalesce(encode(b, 'hex'), 'null') || ' n=' || coalesce(n::text, 'null')
            FROM "{table}" ORDER BY id COLLATE "C"
            """, connection);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private static async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(PostgresProvider.ConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }
}
