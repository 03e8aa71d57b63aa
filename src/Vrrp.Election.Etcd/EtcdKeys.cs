using Google.Protobuf;

namespace Vrrp.Election.Etcd;

/// <summary>The keys of one election: <c>{prefix}{name}/</c> holds one key per candidate, named by its lease.</summary>
internal sealed class EtcdKeys(string keyPrefix, string electionName)
{
    public ByteString Directory { get; } = ByteString.CopyFromUtf8($"{keyPrefix}{electionName}/");

    /// <summary>Gets the end of the directory's range: the first key after every key that starts with it.</summary>
    public ByteString DirectoryEnd => RangeEnd(Directory);

    public ByteString Candidate(long leaseId) => ByteString.CopyFromUtf8($"{Directory.ToStringUtf8()}{leaseId:x16}");

    private static ByteString RangeEnd(ByteString prefix)
    {
        byte[] end = prefix.ToByteArray();
        for (int i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xff)
            {
                end[i]++;
                return ByteString.CopyFrom(end, 0, i + 1);
            }
        }

        return ByteString.CopyFrom(0); // every key
    }
}
