namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Returned by <c>AddVrrp()</c>: chooses the transport (<c>UseLinux()</c>, <c>UseInMemoryNetwork()</c>, <c>UseUdp()</c>) and adds routers and leader elections.</summary>
public interface IVrrpBuilder
{
    /// <summary>Gets the services.</summary>
    IServiceCollection Services { get; }
}
