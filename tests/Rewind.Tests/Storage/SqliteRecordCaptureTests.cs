using System.Text;
using Microsoft.Data.Sqlite;
using Rewind.Core.Bundles;
using Rewind.Core.Inverse;
using Rewind.Sqlite;
using Rewind.Tests.Support;

namespace Rewind.Tests.Storage;

/// <summary>
/// SQLite hands prior images to the inverse as the UTF-8 bytes it holds (no decode and re-encode): the inverse lines
/// must be byte for byte what the string path wrote, including for text that is not valid UTF-8.
/// </summary>
public sealed class SqliteRecordCaptureTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Prior_images_reach_the_inverse_byte_for_byte_and_invalid_utf8_as_the_string_path_read_it()
    {
        var path = _folder.Combine("target.db");
        var store = new SqliteTargetStore(path);
        await using (var seed = await store.BeginAsync())
        {
            await seed.ApplyRecordsAsync(Changes(
                new RecordChange(new RecordKey("platform", "rule", "plain"), """{"a":1}"""),
                new RecordChange(new RecordKey("platform", "rule", "wide"), """{"name":"Prüfung 🎯 \u00e9","n":1.50}""")), null);
            await seed.CommitAsync();
        }

        // A body another tool stored as text with an invalid byte (0xFF): read as a string it decodes to U+FFFD.
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            await using var command = raw.CreateCommand();
            command.CommandText = "INSERT INTO rw_records (layer, type, key, body) VALUES ('platform', 'rule', 'broken', CAST(X'7B2261223A22FF227D' AS TEXT))";
            await command.ExecuteNonQueryAsync();
        }

        var writer = new BundleWriter(_folder.Combine("inverse"));
        await using (var session = await store.BeginAsync())
        {
            await session.ApplyRecordsAsync(Changes(
                new RecordChange(new RecordKey("platform", "rule", "plain"), """{"a":2}"""),
                new RecordChange(new RecordKey("platform", "rule", "wide"), null),
                new RecordChange(new RecordKey("platform", "rule", "broken"), """{"a":3}"""),
                new RecordChange(new RecordKey("platform", "rule", "new"), """{"a":4}""")), new InverseCapture(writer));
        }

        await writer.CompleteAsync(InverseCapture.ManifestFor(new BundleManifest("b", BundleKind.Metadata, null, new Dictionary<string, CodeArtifact>())));
        var expected = """
            {"key":"plain","body":{"a":1}}
            {"key":"wide","body":{"name":"Prüfung 🎯 \u00e9","n":1.50}}
            {"key":"broken","body":{"a":"�"}}
            {"key":"new","delete":true}

            """.ReplaceLineEndings("\n");
        Assert.Equal(Encoding.UTF8.GetBytes(expected), await File.ReadAllBytesAsync(_folder.Combine("inverse", "records", "platform", "rule.ndjson")));
    }

    private static async IAsyncEnumerable<RecordChange> Changes(params RecordChange[] changes)
    {
        foreach (var change in changes)
        {
            yield return change;
        }

        await Task.CompletedTask;
    }
}
