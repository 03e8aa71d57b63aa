using System.Buffers.Binary;

namespace Vrrp.Tests.Support;

/// <summary>Reads and writes classic libpcap files (Ethernet link type), enough for test vectors and for tshark.</summary>
internal static class Pcap
{
    private const uint Magic = 0xA1B2C3D4;

    public static List<byte[]> ReadFrames(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        if (BinaryPrimitives.ReadUInt32LittleEndian(file) != Magic)
        {
            throw new InvalidDataException($"{path} is not a little-endian microsecond pcap file.");
        }

        var frames = new List<byte[]>();
        int offset = 24;
        while (offset + 16 <= file.Length)
        {
            int captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 8));
            offset += 16;
            frames.Add(file.AsSpan(offset, captured).ToArray());
            offset += captured;
        }

        return frames;
    }

    public static void WriteFrames(string path, IEnumerable<byte[]> frames)
    {
        using var stream = File.Create(path);
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], 1); // LINKTYPE_ETHERNET
        stream.Write(header);
        uint second = 1;
        Span<byte> record = stackalloc byte[16];
        foreach (byte[] frame in frames)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(record, second++);
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)frame.Length);
            stream.Write(record);
            stream.Write(frame);
        }
    }
}
