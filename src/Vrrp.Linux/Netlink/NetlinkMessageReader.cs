using System.Buffers.Binary;

namespace Vrrp.Linux.Netlink;

/// <summary>
/// Walks the netlink messages of one receive: each a 16-byte <c>nlmsghdr</c> (u32 length, u16 type, u16 flags,
/// u32 sequence, u32 port) and its payload, aligned to 4 bytes. Stops at the first message whose length does not fit.
/// </summary>
internal ref struct NetlinkMessageReader(ReadOnlySpan<byte> messages)
{
    public const int HeaderLength = 16;

    private ReadOnlySpan<byte> _messages = messages;

    public bool TryRead(out ushort type, out ReadOnlySpan<byte> payload) => TryRead(out type, out _, out payload);

    public bool TryRead(out ushort type, out uint sequence, out ReadOnlySpan<byte> payload)
    {
        type = 0;
        sequence = 0;
        payload = default;
        if (_messages.Length < HeaderLength)
        {
            return false;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(_messages);
        if (length < HeaderLength || length > (uint)_messages.Length)
        {
            _messages = default;
            return false;
        }

        type = BinaryPrimitives.ReadUInt16LittleEndian(_messages[4..]);
        sequence = BinaryPrimitives.ReadUInt32LittleEndian(_messages[8..]);
        payload = _messages[HeaderLength..(int)length];
        _messages = _messages[Math.Min(_messages.Length, (int)((length + 3) & ~3u))..];
        return true;
    }
}
