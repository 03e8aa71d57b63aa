using System.Reflection;
using System.Reflection.Emit;
using Vrrp.Packets;

namespace Vrrp.Tests;

/// <summary>
/// The codec (Vrrp.Packets) depends on nothing above it, and the state machine (Vrrp.Protocol) on nothing but the
/// codec: read from the compiled IL of every method, field and signature, so no using directive or fully qualified
/// name slips past.
/// </summary>
public sealed class LayeringTests
{
    private static readonly Dictionary<short, OpCode> s_opCodes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    [Theory]
    [InlineData("Vrrp.Packets", new[] { "Vrrp.Packets" })]
    [InlineData("Vrrp.Protocol", new[] { "Vrrp.Protocol", "Vrrp.Packets" })]
    public void A_layer_uses_only_itself_the_layers_below_and_the_runtime(string layer, string[] allowed)
    {
        // Input: every type of the layer in Vrrp.Core, its members' signatures and the IL of its methods.
        // Expected: every Vrrp type they name is in the layer or a layer below it.
        Assembly core = typeof(VrrpPacket).Assembly;
        Type[] types = [.. core.GetTypes().Where(t => t.Namespace == layer)];
        Assert.NotEmpty(types);
        var violations = new SortedSet<string>();
        foreach (Type type in types)
        {
            foreach (Type used in UsedBy(type))
            {
                string? ns = used.Namespace;
                if (used.Assembly == core && ns is not null && !allowed.Contains(ns) && !IsCompilerGenerated(used))
                {
                    violations.Add($"{type.FullName} uses {used.FullName}");
                }
            }
        }

        Assert.Empty(violations);
    }

    [Fact]
    public void Vrrp_Core_calls_no_native_code_touches_no_file_or_process_and_knows_nothing_of_keepalived()
    {
        // Input: every type of Vrrp.Core (compiler-generated ones too), its signatures, the IL of its methods and the
        // strings they load.
        // Expected: no P/Invoke, no file system, /sys or /proc, no process, no type named for keepalived: those live
        // in Vrrp.Linux and Vrrp.Keepalived, so a newcomer knows where a feature goes.
        Assembly core = typeof(VrrpPacket).Assembly;
        Type[] forbidden =
        [
            typeof(System.Diagnostics.Process), typeof(System.Diagnostics.ProcessStartInfo), typeof(File), typeof(Directory),
            typeof(FileStream), typeof(FileInfo), typeof(DirectoryInfo), typeof(RandomAccess), typeof(Microsoft.Win32.SafeHandles.SafeFileHandle),
            typeof(System.Runtime.InteropServices.NativeLibrary),
        ];
        var violations = new SortedSet<string>();
        foreach (Type type in core.GetTypes())
        {
            if (type.FullName!.Contains("Keepalived", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add($"{type.FullName} is keepalived's");
            }

            foreach (Type used in UsedBy(type))
            {
                if (forbidden.Contains(used))
                {
                    violations.Add($"{type.FullName} uses {used.FullName}");
                }
            }

            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (MethodInfo method in type.GetMethods(all))
            {
                if ((method.Attributes & MethodAttributes.PinvokeImpl) != 0)
                {
                    violations.Add($"{type.FullName}.{method.Name} is a P/Invoke");
                }

                foreach (string text in StringsIn(method))
                {
                    if (text.Contains("/sys/", StringComparison.Ordinal) || text.Contains("/proc/", StringComparison.Ordinal))
                    {
                        violations.Add($"{type.FullName}.{method.Name} names '{text}'");
                    }
                }
            }
        }

        Assert.Empty(violations);
    }

    private static IEnumerable<string> StringsIn(MethodBase method)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        for (int offset = 0; il is not null && offset < il.Length;)
        {
            short value = il[offset] == 0xFE ? (short)(0xFE00 | il[offset + 1]) : il[offset];
            offset += il[offset] == 0xFE ? 2 : 1;
            OpCode opCode = s_opCodes[value];
            if (opCode.OperandType == OperandType.InlineString)
            {
                yield return method.Module.ResolveString(BitConverter.ToInt32(il, offset));
            }

            offset += OperandSize(opCode, il, offset);
        }
    }

    private static int OperandSize(OpCode opCode, byte[] il, int offset) => opCode.OperandType switch
    {
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, offset)),
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        _ => 4,
    };

    private static bool IsCompilerGenerated(Type type) => type.Namespace is null || type.FullName!.StartsWith('<');

    private static IEnumerable<Type> UsedBy(Type type)
    {
        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }

        foreach (Type implemented in type.GetInterfaces())
        {
            yield return implemented;
        }

        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (FieldInfo field in type.GetFields(all))
        {
            yield return field.FieldType;
        }

        foreach (MethodBase method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method is MethodInfo info)
            {
                yield return info.ReturnType;
            }

            foreach (ParameterInfo parameter in method.GetParameters())
            {
                yield return parameter.ParameterType;
            }

            foreach (Type used in UsedInBody(method))
            {
                yield return used;
            }
        }
    }

    // Walks the IL opcode by opcode and resolves every type, field and method token.
    private static IEnumerable<Type> UsedInBody(MethodBase method)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        Type[]? typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int offset = 0;
        while (offset < il.Length)
        {
            short value = il[offset] == 0xFE ? (short)(0xFE00 | il[offset + 1]) : il[offset];
            offset += il[offset] == 0xFE ? 2 : 1;
            OpCode opCode = s_opCodes[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineType or OperandType.InlineTok or OperandType.InlineField or OperandType.InlineMethod:
                    int token = BitConverter.ToInt32(il, offset);
                    MemberInfo? member = method.Module.ResolveMember(token, typeArguments, methodArguments);
                    if (member is Type t)
                    {
                        yield return t;
                    }
                    else if (member?.DeclaringType is { } declaring)
                    {
                        yield return declaring;
                    }

                    offset += 4;
                    break;
                case OperandType.InlineSwitch:
                    offset += 4 + (4 * BitConverter.ToInt32(il, offset));
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    offset += 8;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    offset += 1;
                    break;
                case OperandType.InlineVar:
                    offset += 2;
                    break;
                default:
                    offset += 4;
                    break;
            }
        }
    }
}
