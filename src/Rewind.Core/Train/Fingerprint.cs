using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Rewind.Core.Bundles;
using Rewind.Core.Targets;

namespace Rewind.Core.Train;

/// <summary>
/// A SHA-256 over a target's managed state, the basis of alignment. Two targets with equal fingerprints over
/// the keys a bundle touches capture byte-identical inverses (which content addressing then stores once);
/// a target whose fingerprint differs has diverged and gets its own. Every value is length-prefixed, record
/// bodies are hashed as the exact text stored, and table rows are hashed one by one and sorted, so the order a
/// database returns rows in does not matter.
/// </summary>
public static class Fingerprint
{
    /// <summary>
    /// The state over what <paramref name="bundle"/> touches: each of its record addresses (body or absence, read
    /// in bulk), and for each table it defines or copies data into, the table's physical shape and rows.
    /// </summary>
    public static async Task<string> OfBundleKeysAsync(ITargetSession session, Bundle bundle, CancellationToken cancellationToken = default)
    {
        using var hash = new Hasher("rewind-fingerprint-v1/bundle-keys");
        var tables = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in bundle.RecordFiles)
        {
            // The adapter reads addresses in batches and yields bodies in order: remember the addresses in between.
            var pending = new Queue<RecordKey>();
            await foreach (var body in session.ReadRecordsAsync(AddressesAsync(bundle, file, pending, tables, cancellationToken), cancellationToken))
            {
                hash.AddRecord(pending.Dequeue(), body);
            }
        }

        foreach (var copy in bundle.DataCopies)
        {
            tables.Add(copy.Table);
        }

        foreach (var table in tables)
        {
            await hash.AddTableAsync(session, table, cancellationToken);
        }

        return hash.Finish();
    }

    /// <summary>
    /// The state over everything Rewind manages on the target: every record of <c>rw_records</c> and, for each
    /// table a table definition names (business tables excepted), its shape and rows.
    /// </summary>
    public static Task<string> OfManagedStateAsync(ITargetSession session, IEnumerable<string> businessTables, CancellationToken cancellationToken = default) =>
        OfManagedStateAsync(session, businessTables, TrainRows.None, [], cancellationToken);

    /// <summary>
    /// The same, and the rows of platform tables the train writes (<paramref name="trainRows"/>): each addressed
    /// row's whole image or absence, and the whole content of tables the train copies.
    /// </summary>
    public static async Task<string> OfManagedStateAsync(ITargetSession session, IEnumerable<string> businessTables, TrainRows trainRows, IReadOnlyList<Configuration.PlatformTable> platformTables, CancellationToken cancellationToken = default)
    {
        var business = new HashSet<string>(businessTables, StringComparer.OrdinalIgnoreCase);

        // One inline digest per record (32 bytes, no array each): a million-record target is fingerprinted in 32 MB.
        var records = new List<Digest256>();
        var tables = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        await foreach (var record in session.ScanRecordsAsync(cancellationToken))
        {
            using var one = new Hasher("record");
            one.AddRecord(record.Address, record.Body);
            records.Add(Digest256.From(one.FinishBytes()));
            if (record.Address.IsTableDefinition && !business.Contains(record.Address.Key))
            {
                tables.Add(record.Address.Key);
            }
        }

        foreach (var table in trainRows.CopiedTables)
        {
            tables.Add(table);
        }

        using var hash = new Hasher("rewind-fingerprint-v1/managed-state");
        hash.AddSorted(records);
        foreach (var table in tables)
        {
            await hash.AddTableAsync(session, table, cancellationToken);
        }

        var rows = new List<byte[]>();
        await trainRows.ForEachRowAsync(session, platformTables, (table, key, row) =>
        {
            using var one = new Hasher("row");
            one.Add(table.ToLowerInvariant());
            one.Add(key);
            one.Add(row);
            rows.Add(one.FinishBytes());
        }, cancellationToken);
        hash.AddSorted(rows);
        return hash.Finish();
    }

    /// <summary>The keys a bundle touches (<c>r:layer/type/key</c>, <c>t:table</c>), to tell which bundles overlap.</summary>
    public static async Task<HashSet<string>> KeysAsync(Bundle bundle, CancellationToken cancellationToken = default)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in bundle.RecordFiles)
        {
            await foreach (var change in bundle.ReadRecordsAsync(file, cancellationToken))
            {
                keys.Add($"r:{change.Address}");
                if (change.Address.IsTableDefinition)
                {
                    keys.Add($"t:{change.Address.Key.ToLowerInvariant()}");
                }
            }
        }

        foreach (var copy in bundle.DataCopies)
        {
            keys.Add($"t:{copy.Table.ToLowerInvariant()}");
        }

        return keys;
    }

    /// <summary>The first 12 hex digits, for tables on a terminal.</summary>
    public static string Short(string? fingerprint) =>
        fingerprint is null ? "-" : fingerprint.StartsWith("sha256:", StringComparison.Ordinal) && fingerprint.Length > 19 ? fingerprint[7..19] : fingerprint;

    private static async IAsyncEnumerable<RecordKey> AddressesAsync(Bundle bundle, RecordFile file, Queue<RecordKey> pending, SortedSet<string> tables, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var change in bundle.ReadRecordsAsync(file, cancellationToken))
        {
            if (change.Address.IsTableDefinition)
            {
                tables.Add(change.Address.Key);
            }

            pending.Enqueue(change.Address);
            yield return change.Address;
        }
    }

    /// <summary>An incremental SHA-256 over length-prefixed values, so no two different inputs concatenate alike.</summary>
    private sealed class Hasher : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public Hasher(string domain) => Add(domain);

        public void Add(string? text)
        {
            if (text is null)
            {
                AddLength(-1);
                return;
            }

            var bytes = Encoding.UTF8.GetBytes(text);
            AddLength(bytes.Length);
            _hash.AppendData(bytes);
        }

        public void AddRecord(RecordKey address, string? body)
        {
            Add(address.Layer);
            Add(address.Type);
            Add(address.Key);
            Add(body);
        }

        /// <summary>Digests in sorted order, so the set is hashed whatever order it was read in.</summary>
        public void AddSorted(List<byte[]> digests)
        {
            digests.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
            AddLength(digests.Count);
            foreach (var digest in digests)
            {
                _hash.AppendData(digest);
            }
        }

        /// <summary>The same for inline digests: sorted as their bytes, hashed as those bytes.</summary>
        public void AddSorted(List<Digest256> digests)
        {
            digests.Sort();
            AddLength(digests.Count);
            Span<byte> bytes = stackalloc byte[32];
            foreach (var digest in digests)
            {
                digest.WriteTo(bytes);
                _hash.AppendData(bytes);
            }
        }

        public async Task AddTableAsync(ITargetSession session, string table, CancellationToken cancellationToken)
        {
            Add(table.ToLowerInvariant());
            var shape = await session.DescribeTableAsync(table, cancellationToken);
            if (shape is null)
            {
                Add(null);
                return;
            }

            Add(string.Join(",", shape.Columns));
            Add(string.Join(",", shape.PrimaryKey));
            Add(string.Join(",", shape.Indexes.Order(StringComparer.Ordinal)));
            var rows = new List<byte[]>();
            await foreach (var row in session.ReadRowsAsync(table, cancellationToken))
            {
                rows.Add(SHA256.HashData(row));
            }

            AddSorted(rows);
        }

        public byte[] FinishBytes() => _hash.GetHashAndReset();

        public string Finish() => "sha256:" + Convert.ToHexStringLower(FinishBytes());

        public void Dispose() => _hash.Dispose();

        private void AddLength(int length)
        {
            Span<byte> prefix = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(prefix, length);
            _hash.AppendData(prefix);
        }
    }

    /// <summary>A SHA-256 digest held inline, ordered as its bytes are (four big-endian words compared in turn).</summary>
    private readonly record struct Digest256(ulong A, ulong B, ulong C, ulong D) : IComparable<Digest256>
    {
        public static Digest256 From(ReadOnlySpan<byte> digest) => new(
            BinaryPrimitives.ReadUInt64BigEndian(digest),
            BinaryPrimitives.ReadUInt64BigEndian(digest[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(digest[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(digest[24..]));

        public int CompareTo(Digest256 other) =>
            A != other.A ? A.CompareTo(other.A) : B != other.B ? B.CompareTo(other.B) : C != other.C ? C.CompareTo(other.C) : D.CompareTo(other.D);

        public void WriteTo(Span<byte> digest)
        {
            BinaryPrimitives.WriteUInt64BigEndian(digest, A);
            BinaryPrimitives.WriteUInt64BigEndian(digest[8..], B);
            BinaryPrimitives.WriteUInt64BigEndian(digest[16..], C);
            BinaryPrimitives.WriteUInt64BigEndian(digest[24..], D);
        }
    }
}
