namespace Vrrp.Routing;

/// <summary>What a virtual rule does with the packets it matches (the kernel's <c>FR_ACT_*</c>).</summary>
public enum RuleAction : byte
{
    /// <summary>Look the route up in <see cref="VirtualRule.Table"/> (<c>table</c>, <c>lookup</c>).</summary>
    ToTable = 1,

    /// <summary>Go on at the rule of priority <see cref="VirtualRule.GotoTarget"/> (<c>goto</c>).</summary>
    Goto = 2,

    /// <summary>Do nothing (<c>nop</c>).</summary>
    Nop = 3,

    /// <summary>Drop silently (<c>blackhole</c>).</summary>
    Blackhole = 6,

    /// <summary>Refuse with network unreachable (<c>unreachable</c>).</summary>
    Unreachable = 7,

    /// <summary>Refuse with administratively prohibited (<c>prohibit</c>).</summary>
    Prohibit = 8,
}
