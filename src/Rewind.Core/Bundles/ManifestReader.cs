using System.Text.Json;

namespace Rewind.Core.Bundles;

/// <summary>
/// Reads and checks <c>bundle.json</c>: the id, kind, description and a release's code slots. It is parsed whole, so
/// it is bounded on its own; every field may appear once, and no field it does not know is accepted.
/// </summary>
internal static partial class ManifestReader
{
    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$")]
    private static partial System.Text.RegularExpressions.Regex SafeVersion();

    public static async Task<BundleManifest> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var bytes = new MemoryStream();
        var chunk = new byte[1 << 14];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            bytes.Write(chunk, 0, read);
            if (bytes.Length > Bundle.MaxManifestBytes)
            {
                throw new BundleInvalidException(Bundle.ManifestFile, 0, $"is larger than {Bundle.MaxManifestBytes} bytes: it holds only the id, kind, description and code slots");
            }
        }

        // Strings are transcoded lazily; invalid UTF-8 inside one would surface later as a general error.
        if (!System.Text.Unicode.Utf8.IsValid(bytes.GetBuffer().AsSpan(0, (int)bytes.Length)))
        {
            throw new BundleInvalidException(Bundle.ManifestFile, 0, "is not valid UTF-8: save it as UTF-8 JSON");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes.GetBuffer().AsMemory(0, (int)bytes.Length), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new BundleInvalidException(Bundle.ManifestFile, (e.LineNumber ?? -1) + 1, $"invalid JSON: {e.Message}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new BundleInvalidException(Bundle.ManifestFile, 0, "must be a JSON object with \"id\" and \"kind\"");
            }

            string? id = null, description = null;
            var kind = BundleKind.Metadata;
            var code = new Dictionary<string, CodeArtifact>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                // JSON readers disagree on which of two equal fields wins: a manifest that says two things is refused.
                if (!seen.Add(property.Name))
                {
                    throw new BundleInvalidException(Bundle.ManifestFile, 0, $"the field \"{property.Name}\" appears twice: give each field once");
                }

                switch (property.Name)
                {
                    case "id":
                        id = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                        if (string.IsNullOrWhiteSpace(id) || id.Length > 200 || id.Any(char.IsControl))
                        {
                            throw new BundleInvalidException(Bundle.ManifestFile, 0, "\"id\" must be a non-empty string of printable characters, at most 200 long");
                        }

                        break;
                    case "kind":
                        kind = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() switch
                        {
                            "metadata" => BundleKind.Metadata,
                            "release" => BundleKind.Release,
                            var other => throw new BundleInvalidException(Bundle.ManifestFile, 0, $"unknown kind '{other}': use \"metadata\" or \"release\""),
                        } : throw new BundleInvalidException(Bundle.ManifestFile, 0, "\"kind\" must be \"metadata\" or \"release\"");
                        break;
                    case "description":
                        description = property.Value.ValueKind == JsonValueKind.String
                            ? property.Value.GetString()
                            : throw new BundleInvalidException(Bundle.ManifestFile, 0, "\"description\" must be a string");
                        break;
                    case "code":
                        ReadCode(property.Value, code);
                        break;
                    default:
                        throw new BundleInvalidException(Bundle.ManifestFile, 0, $"unknown field \"{property.Name}\": expected id, kind, description, code");
                }
            }

            if (id is null)
            {
                throw new BundleInvalidException(Bundle.ManifestFile, 0, "has no \"id\"");
            }

            if (kind == BundleKind.Metadata && code.Count > 0)
            {
                throw new BundleInvalidException(Bundle.ManifestFile, 0, "a metadata bundle carries no \"code\": use \"kind\": \"release\"");
            }

            if (kind == BundleKind.Release && code.Count == 0)
            {
                throw new BundleInvalidException(Bundle.ManifestFile, 0, "a release names at least one code slot under \"code\"");
            }

            return new BundleManifest(id, kind, description, code);
        }
    }

    private static void ReadCode(JsonElement element, Dictionary<string, CodeArtifact> code)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new BundleInvalidException(Bundle.ManifestFile, 0, "\"code\" must be an object of slot name to {artifact, sha256, version}");
        }

        foreach (var slot in element.EnumerateObject())
        {
            if (code.ContainsKey(slot.Name))
            {
                throw new BundleInvalidException(Bundle.ManifestFile, 0, $"code slot '{slot.Name}' appears twice: give each slot once");
            }

            if (slot.Value.ValueKind != JsonValueKind.Object)
            {
                throw new BundleInvalidException(Bundle.ManifestFile, 0, $"code slot '{slot.Name}' must be an object {{artifact, sha256, version}}");
            }

            string Field(string name) =>
                slot.Value.ValueKind == JsonValueKind.Object && slot.Value.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0
                    ? v.GetString()!
                    : throw new BundleInvalidException(Bundle.ManifestFile, 0, $"code slot '{slot.Name}' needs a string \"{name}\"");

            var fields = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in slot.Value.EnumerateObject())
            {
                if (!fields.Add(property.Name))
                {
                    throw new BundleInvalidException(Bundle.ManifestFile, 0, $"code slot '{slot.Name}': the field \"{property.Name}\" appears twice");
                }

                if (property.Name is not ("artifact" or "sha256" or "version"))
                {
                    throw new BundleInvalidException(Bundle.ManifestFile, 0, $"code slot '{slot.Name}': unknown field \"{property.Name}\"");
                }
            }

            var sha = Field("sha256").ToLowerInvariant();
            if (sha.Length != 64 || !sha.All(Uri.IsHexDigit))
            {
                throw new BundleInvalidException(Bundle.ManifestFile, 0, $"code slot '{slot.Name}': \"sha256\" must be 64 hex digits");
            }

            var artifact = Field("artifact");
            if (artifact.StartsWith('/') || artifact.Split('/').Contains(".."))
            {
                throw new BundleInvalidException(Bundle.ManifestFile, 0, $"code slot '{slot.Name}': the artifact path '{artifact}' escapes the bundle");
            }

            var version = Field("version");
            if (!SafeVersion().IsMatch(version))
            {
                throw new BundleInvalidException(Bundle.ManifestFile, 0, $"code slot '{slot.Name}': version '{version}' must be letters, digits, '.', '_', '+' or '-' (it names a release folder)");
            }

            code[slot.Name] = new CodeArtifact(artifact, sha, version);
        }
    }
}
