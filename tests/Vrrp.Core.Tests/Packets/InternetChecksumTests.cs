using Vrrp.Packets;
using Vrrp.Tests.Support;

namespace Vrrp.Tests.Packets;

public sealed class InternetChecksumTests
{
    [Fact]
    public void Rfc1071_section_3_example_sums_to_ddf2()
    {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 have the one's complement sum ddf2; the checksum is its complement.
        Assert.Equal(0x220D, InternetChecksum.Compute(Hex.Parse("0001 f203 f4f5 f6f7")));
    }

    [Fact]
    public void All_zero_bytes_have_checksum_ffff()
    {
        Assert.Equal(0xFFFF, InternetChecksum.Compute(new byte[8]));
    }

    [Fact]
    public void An_odd_trailing_byte_is_padded_with_zero()
    {
        Assert.Equal(InternetChecksum.Compute(Hex.Parse("0102 03 00")), InternetChecksum.Compute(Hex.Parse("0102 03")));
    }

    [Fact]
    public void Accumulating_in_pieces_equals_one_pass()
    {
        byte[] data = Enumerable.Range(0, 301).Select(i => (byte)(i * 37)).ToArray();
        ulong sum = InternetChecksum.Accumulate(0, data.AsSpan(0, 6));
        sum = InternetChecksum.Accumulate(sum, data.AsSpan(6, 100));
        sum = InternetChecksum.Accumulate(sum, data.AsSpan(106));
        Assert.Equal(InternetChecksum.Compute(data), InternetChecksum.Complete(sum));
    }

    [Fact]
    public void Rewriting_an_identification_carries_out_of_the_first_fold()
    {
        // RFC 1624 eqn. 3 with checksum 0000 and identification 0000 rewritten to 0001: ffff + ffff + 0001 = 1ffff,
        // whose first fold carries again (ffff + 1). The header is found by its total length so that it sums to 0000.
        byte[] header = new byte[20];
        byte[] fresh = new byte[20];
        ushort totalLength = 20;
        for (; totalLength < ushort.MaxValue; totalLength++)
        {
            Assert.True(Header(totalLength, 0).TryWrite(header, out _));
            if (header[10] == 0 && header[11] == 0)
            {
                break;
            }
        }

        Assert.True(header[10] == 0 && header[11] == 0, "no total length gives checksum 0000");
        IPv4Header.RewriteIdentification(header, 1);
        Assert.True(Header(totalLength, 1).TryWrite(fresh, out _));
        Assert.Equal(Hex.Of(fresh), Hex.Of(header));

        static IPv4Header Header(ushort totalLength, ushort identification) => new()
        {
            TotalLength = totalLength,
            Identification = identification,
            TimeToLive = 255,
            Protocol = 112,
            Source = PackedIPAddress.Parse("198.51.100.1"),
            Destination = PackedIPAddress.Parse("224.0.0.18"),
        };
    }

    [Fact]
    public void A_message_with_its_checksum_in_place_sums_to_zero()
    {
        byte[] data = Hex.Parse("45c0 0028 0000 0000 ff70 0000 c0a8 001e e000 0012");
        ushort checksum = InternetChecksum.Compute(data);
        data[10] = (byte)(checksum >> 8);
        data[11] = (byte)checksum;
        Assert.Equal(0x19CD, checksum); // gopacket's captured header has this checksum
        Assert.Equal(0, InternetChecksum.Compute(data));
    }
}
