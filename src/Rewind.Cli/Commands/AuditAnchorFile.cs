using System.Text.Json;
using Rewind.Core;
using Rewind.Core.Audit;

namespace Rewind.Cli.Commands;

/// <summary>
/// An audit head kept in a file: written by <c>rewind audit anchor --out FILE</c>, read back by
/// <c>rewind audit --verify --anchor FILE</c>. A saved notification payload reads the same way: both carry
/// <c>{"auditHead": {"seq": N, "hash": "…"}}</c>.
/// </summary>
internal static class AuditAnchorFile
{
    public static async Task WriteAsync(string path, AuditHead head, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(new { auditHead = new { seq = head.Seq, hash = head.Hash }, at }, new JsonSerializerOptions { WriteIndented = true });
        await File.WriteAllTextAsync(path, json + "\n", cancellationToken);
    }

    public static async Task<AuditAnchor> ReadAsync(string path, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException($"--anchor {path}: cannot be read ({e.Message})");
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("auditHead", out var head) && head.ValueKind == JsonValueKind.Object
                && head.TryGetProperty("seq", out var seq) && seq.TryGetInt64(out var number) && number > 0
                && head.TryGetProperty("hash", out var hash) && hash.GetString() is { Length: 64 } digest && digest.All(char.IsAsciiHexDigit))
            {
                return new AuditAnchor($"anchor file {path}", new AuditHead(number, digest));
            }
        }
        catch (JsonException)
        {
            // Same answer as a well-formed file of the wrong shape, below.
        }

        throw new BadInputException($"--anchor {path}: not an audit anchor; expected {{\"auditHead\": {{\"seq\": N, \"hash\": \"<64 hex digits>\"}}}} as written by 'rewind audit anchor --out' or sent in a notification");
    }
}
