using System.Buffers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Rewind.Core.Targets;
using Rewind.Tests.Support;

namespace Rewind.Tests.Storage;

/// <summary>
/// Invariant 12 on every engine: a data copy over values plain JSON cannot carry — ±Infinity, NaN, text that is
/// not valid UTF-8, blobs, integers past 64 bits — deploys exactly what the bundle says, and its rollback puts
/// back every prior value, compared as the bytes the database stores.
/// </summary>
public abstract class ValueFidelityContractTests(StorageProvider provider)
{
    /// <summary>One row of the test table: each value null or what the engine stores for it.</summary>
    public sealed record ValueRow(string Id, double? Real, byte[]? Text, byte[]? Blob, string? Integer);

    protected const string Table = "vals";

    /// <summary>Creates <paramref name="table"/> (id text primary key, r real, t text, b blob, n integer or numeric).</summary>
    protected abstract Task CreateTableAsync(string database, string table);

    /// <summary>Inserts rows with driver parameters, so each value is stored exactly as given.</summary>
    protected abstract Task InsertAsync(string database, string table, IReadOnlyList<ValueRow> rows);

    /// <summary>Every row of the table, each value as its storage type and exact bytes, ordered by id.</summary>
    protected abstract Task<IReadOnlyList<string>> DumpAsync(string database, string table);

    /// <summary>Reals the engine can store (SQLite turns NaN into NULL).</summary>
    protected abstract Gen<double> RealGen { get; }

    /// <summary>Text bytes the engine can store (PostgreSQL text is valid UTF-8 without NUL).</summary>
    protected abstract Gen<byte[]> TextGen { get; }

    /// <summary>Integers the engine's integer column holds, as decimal text.</summary>
    protected abstract Gen<string> IntegerGen { get; }

    protected virtual int Iterations => 12;

    protected static readonly Gen<double> SpecialReals = Gen.Int[0, 6].Select(i => new[] { double.PositiveInfinity, double.NegativeInfinity, -0.0, 0.0, double.Epsilon, double.MaxValue, 1.0 }[i]);

    protected static readonly Gen<byte[]> Utf8Text = Gen.String.Select(s => Encoding.UTF8.GetBytes(s));

    private Gen<ValueRow[]> RowsGen =>
        Gen.Select(
            Gen.Frequency((1, Gen.Const((double?)null)), (4, RealGen.Select(r => (double?)r))),
            OrNull(TextGen),
            OrNull(Gen.Byte.Array[0, 40]),
            OrNull(IntegerGen))
        .Array[0, 6]
        .Select(values => values.Select((v, i) => new ValueRow($"r{i}", v.Item1, v.Item2, v.Item3, v.Item4)).ToArray());

    private static Gen<T?> OrNull<T>(Gen<T> gen) where T : class =>
        Gen.Frequency((1, Gen.Const(default(T))), (4, gen.Select(v => (T?)v)));

    [Fact]
    public async Task Property_row_changes_of_values_json_cannot_carry_deploy_and_roll_back_byte_for_byte()
    {
        await Gen.Select(RowsGen, RowsGen).SampleAsync(async (prior, forward) =>
        {
            await using var h = await EngineHarness.CreateAsync(provider, t => t with { PlatformTables = [new(Table)] });
            await CreateTableAsync(h.Database(), Table);
            await InsertAsync(h.Database(), Table, prior);
            var before = await DumpAsync(h.Database(), Table);
            var bundle = new BundleBuilder("rows");
            foreach (var row in forward)
            {
                bundle.RowUpsert(Table, Encode(row));
            }

            var deployed = await h.DeployAsync(bundle);
            Assert.True(deployed.Deployment.IsApplied, deployed.Deployment.Error);

            var rollback = await h.RollbackAsync();
            Assert.True(rollback.Succeeded, rollback.State.Reason);
            Assert.Equal(before, await DumpAsync(h.Database(), Table));
        }, iter: Iterations, threads: 1, seed: Environment.GetEnvironmentVariable("REWIND_SEED"));
    }

    [Fact]
    public async Task Property_a_data_copy_of_values_json_cannot_carry_deploys_and_rolls_back_byte_for_byte()
    {
        await Gen.Select(RowsGen, RowsGen).SampleAsync(async (prior, forward) =>
        {
            await using var h = await EngineHarness.CreateAsync(provider, t => t with { PlatformTables = [new(Table), new("derived")] });
            await CreateTableAsync(h.Database(), Table);
            await InsertAsync(h.Database(), Table, prior);
            var before = await DumpAsync(h.Database(), Table);

            await h.DeployAsync(new BundleBuilder("values").DataCopy(Table, forward.Select(Encode).ToArray()));

            // What the bundle said, inserted by the driver into a twin table, is what the data copy stored.
            await CreateTableAsync(h.Database(), "expected");
            await InsertAsync(h.Database(), "expected", forward);
            Assert.Equal(await DumpAsync(h.Database(), "expected"), await DumpAsync(h.Database(), Table));

            await h.RollbackAsync();
            Assert.Equal(before, await DumpAsync(h.Database(), Table));
        }, iter: Iterations, threads: 1, seed: Environment.GetEnvironmentVariable("REWIND_SEED"));
    }

    [Fact]
    public async Task A_malformed_tagged_value_is_refused_naming_file_line_and_column_and_changes_nothing()
    {
        await using var h = await EngineHarness.CreateAsync(provider, t => t with { PlatformTables = [new(Table), new("derived")] });
        await CreateTableAsync(h.Database(), Table);
        await InsertAsync(h.Database(), Table, [new ValueRow("a", double.PositiveInfinity, [0x61], [1, 2], "7")]);
        var before = await DumpAsync(h.Database(), Table);

        var error = await Assert.ThrowsAsync<Rewind.Core.BundleInvalidException>(() => h.DeployAsync(new BundleBuilder("bad")
            .DataCopy(Table, """{"id":"a","r":1.5}""", """{"id":"b","r":{"$real":"Infinite"}}""")));

        Assert.Equal(2, error.Line);
        Assert.Contains("'r'", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"Infinity\"", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await DumpAsync(h.Database(), Table));
        Assert.Empty(await h.Engine.HistoryAsync("env1"));
    }

    /// <summary>A data row with a value this engine cannot hold exactly, and what the refusal says.</summary>
    protected abstract (string Row, string Why) Unstorable { get; }

    [Fact]
    public async Task A_value_the_engine_cannot_hold_exactly_is_refused_naming_the_line_and_changes_nothing()
    {
        await using var h = await EngineHarness.CreateAsync(provider, t => t with { PlatformTables = [new(Table), new("derived")] });
        await CreateTableAsync(h.Database(), Table);
        await InsertAsync(h.Database(), Table, [new ValueRow("a", 1.5, [0x61], null, "7")]);
        var before = await DumpAsync(h.Database(), Table);

        var error = await Assert.ThrowsAsync<Rewind.Core.BundleInvalidException>(() => h.DeployAsync(new BundleBuilder("unstorable")
            .DataCopy(Table, """{"id":"a"}""", Unstorable.Row)));

        Assert.Equal(2, error.Line);
        Assert.Contains(Unstorable.Why, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await DumpAsync(h.Database(), Table));
    }

    /// <summary>Creates <c>derived</c> (id text primary key, n integer, g generated from n and stored).</summary>
    protected abstract Task CreateGeneratedTableAsync(string database);

    [Fact]
    public async Task A_data_copy_of_a_table_with_a_generated_column_rolls_back_instead_of_freezing()
    {
        await using var h = await EngineHarness.CreateAsync(provider, t => t with { PlatformTables = [new(Table), new("derived")] });
        await CreateGeneratedTableAsync(h.Database());
        await h.ExecuteAsync("INSERT INTO derived (id, n) VALUES ('a', 1), ('b', 2)");

        await h.DeployAsync(new BundleBuilder("derived").DataCopy("derived", """{"id":"c","n":5}"""));
        Assert.Equal(10L, Convert.ToInt64(await h.ScalarAsync("SELECT g FROM derived WHERE id = 'c'"), System.Globalization.CultureInfo.InvariantCulture));
        var rollback = await h.RollbackAsync();

        Assert.Equal(Rewind.Core.Ledger.DeploymentStatus.RolledBack, rollback.Deployment.Status);
        Assert.Equal(5L, Convert.ToInt64(await h.ScalarAsync("SELECT sum(n * 100 + g) FROM derived WHERE g = n * 2 AND id IN ('a', 'b')"), System.Globalization.CultureInfo.InvariantCulture) - 301L);
        Assert.Equal(2L, Convert.ToInt64(await h.ScalarAsync("SELECT count(*) FROM derived"), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>A row as a bundle carries it, in RowJson's encoding.</summary>
    public static string Encode(ValueRow row)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", row.Id);
            writer.WritePropertyName("r");
            if (row.Real is { } real)
            {
                RowJson.WriteReal(writer, real);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WritePropertyName("t");
            if (row.Text is { } text)
            {
                RowJson.WriteText(writer, text);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WritePropertyName("b");
            if (row.Blob is { } blob)
            {
                RowJson.WriteBlob(writer, blob);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WritePropertyName("n");
            if (row.Integer is { } integer)
            {
                writer.WriteRawValue(integer);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
