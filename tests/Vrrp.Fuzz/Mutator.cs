using System.Buffers.Binary;

namespace Vrrp.Fuzz;

/// <summary>
/// Mutates inputs the way a blind fuzzer does: bit flips, random and boundary bytes and 16-bit fields, truncation,
/// extension, deletion, duplication and splicing with another seed, stacked one to four at a time.
/// </summary>
internal sealed class Mutator(Random random)
{
    public const int Capacity = 4096;

    private static readonly byte[] s_interestingBytes = [0, 1, 2, 3, 4, 5, 8, 16, 20, 24, 32, 0x40, 0x45, 0x7F, 0x80, 0xFE, 0xFF];
    private static readonly ushort[] s_interestingShorts = [0, 1, 4, 16, 20, 40, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF];

    /// <summary>Mutates <paramref name="buffer"/>[..length] in place and returns its new length.</summary>
    public int Mutate(byte[] buffer, int length, ReadOnlySpan<byte> other)
    {
        int rounds = 1 + random.Next(4);
        for (int r = 0; r < rounds; r++)
        {
            switch (random.Next(10))
            {
                case 0 when length > 0:
                    buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when length > 0:
                    buffer[random.Next(length)] = (byte)random.Next(256);
                    break;
                case 2 when length > 0:
                    buffer[random.Next(length)] = s_interestingBytes[random.Next(s_interestingBytes.Length)];
                    break;
                case 3 when length > 1:
                    ushort value = s_interestingShorts[random.Next(s_interestingShorts.Length)];
                    int at = random.Next(length - 1);
                    if (random.Next(2) == 0)
                    {
                        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(at), value);
                    }
                    else
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(at), value);
                    }

                    break;
                case 4:
                    length = random.Next(length + 1);
                    break;
                case 5:
                    int extra = Math.Min(1 + random.Next(64), Capacity - length);
                    random.NextBytes(buffer.AsSpan(length, extra));
                    length += extra;
                    break;
                case 6 when length > 1:
                    int start = random.Next(length), count = 1 + random.Next(Math.Min(16, length - start));
                    Array.Copy(buffer, start + count, buffer, start, length - start - count);
                    length -= count;
                    break;
                case 7 when length > 1 && length < Capacity - 16:
                    int from = random.Next(length), size = 1 + random.Next(Math.Min(16, length - from)), to = random.Next(length);
                    Array.Copy(buffer, to, buffer, to + size, length - to);
                    Array.Copy(buffer, from < to ? from : from + size, buffer, to, size);
                    length += size;
                    break;
                case 8 when other.Length > 0:
                    int cut = random.Next(length + 1), take = Math.Min(other.Length - random.Next(other.Length), Capacity - cut);
                    other[^take..].CopyTo(buffer.AsSpan(cut));
                    length = cut + take;
                    break;
                default:
                    if (length > 0)
                    {
                        buffer[random.Next(length)]++;
                    }

                    break;
            }
        }

        return length;
    }
}
