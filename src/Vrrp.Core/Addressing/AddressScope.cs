namespace Vrrp.Addressing;

/// <summary>The scope of an address on its interface (the kernel's <c>RT_SCOPE_*</c>; any other byte is allowed).</summary>
public enum AddressScope : byte
{
    /// <summary>Valid everywhere (<c>global</c>, RT_SCOPE_UNIVERSE): the default.</summary>
    Global = 0,

    /// <summary>Valid within the site (<c>site</c>).</summary>
    Site = 200,

    /// <summary>Valid on the link only (<c>link</c>).</summary>
    Link = 253,

    /// <summary>Valid on this host only (<c>host</c>).</summary>
    Host = 254,

    /// <summary>Valid nowhere (<c>nowhere</c>).</summary>
    Nowhere = 255,
}
