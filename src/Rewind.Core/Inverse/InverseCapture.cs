using Rewind.Core.Bundles;
using Rewind.Core.Targets;

namespace Rewind.Core.Inverse;

/// <summary>
/// Turns prior images into inverse entries while a bundle is applied: an overwritten or deleted record comes
/// back as an upsert of its prior body, a record the bundle newly creates comes back as a delete, and a
/// delete of something absent needs nothing.
/// </summary>
public sealed class InverseCapture(BundleWriter writer) : IPriorImageSink
{
    public BundleWriter Writer => writer;

    public async ValueTask OnPriorAsync(RecordChange change, string? priorBody, CancellationToken cancellationToken)
    {
        if (priorBody is not null)
        {
            await writer.WriteRecordAsync(change.Address, priorBody, cancellationToken);
        }
        else if (!change.IsDelete)
        {
            await writer.WriteRecordAsync(change.Address, null, cancellationToken);
        }
    }

    public ValueTask OnPriorUtf8Async(RecordChange change, ReadOnlySpan<byte> priorBody, CancellationToken cancellationToken) =>
        writer.WriteRecordUtf8Async(change.Address, priorBody, cancellationToken);

    /// <summary>Captures a table's full current content as a data copy of the inverse.</summary>
    public async Task CaptureRowsAsync(ITargetSession session, string table, CancellationToken cancellationToken)
    {
        writer.BeginDataCopy(table);
        long number = 0;
        await foreach (var row in session.ReadRowsAsync(table, cancellationToken))
        {
            number++;
            RefuseUnreadable(table, row, number);
            await writer.WriteRowAsync(table, row, cancellationToken);
        }
    }

    /// <summary>
    /// A captured row the rollback could not read back would make a deploy whose rollback fails: refuse the deploy
    /// instead (bad input, so the transaction rolls back and nothing is left applied).
    /// </summary>
    private static void RefuseUnreadable(string table, byte[] row, long number)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(row);
            while (reader.Read())
            {
            }

            if (reader.BytesConsumed == row.Length && row.Length > 0)
            {
                return;
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        throw new BadInputException($"row {number} of table '{table}' holds a value Rewind cannot capture exactly, so the deploy could not be rolled back; nothing was changed. Row as read: {System.Text.Encoding.UTF8.GetString(row)}");
    }

    /// <summary>The manifest of the inverse of <paramref name="forward"/>. It names no target or time, so aligned targets capture identical inverses.</summary>
    public static BundleManifest ManifestFor(BundleManifest forward) =>
        new($"inverse-of-{forward.Id}", BundleKind.Metadata, $"Prior image captured before {forward.Id} was applied", new Dictionary<string, CodeArtifact>());
}
