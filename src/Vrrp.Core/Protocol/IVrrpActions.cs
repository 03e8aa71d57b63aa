namespace Vrrp.Protocol;

/// <summary>
/// What the state machine asks its host to do. The machine performs no I/O: it calls these in the order the RFC
/// lists the steps, and the host (a <see cref="VirtualRouter"/>, or a test) carries them out.
/// </summary>
internal interface IVrrpActions
{
    /// <summary>Send an advertisement with this priority (0 to release mastership).</summary>
    void SendAdvertisement(byte priority);

    /// <summary>Arm a timer to fire after <paramref name="dueIn"/>, replacing any earlier arming.</summary>
    void ArmTimer(VrrpTimer timer, TimeSpan dueIn);

    /// <summary>Cancel a timer; nothing happens if it is not armed.</summary>
    void CancelTimer(VrrpTimer timer);

    /// <summary>Add the virtual addresses to the interface.</summary>
    void AddVirtualAddresses();

    /// <summary>Remove the virtual addresses from the interface.</summary>
    void RemoveVirtualAddresses();

    /// <summary>Send <paramref name="repeat"/> gratuitous ARPs / unsolicited neighbour advertisements for every virtual address.</summary>
    void Announce(int repeat);

    /// <summary>
    /// Whether a backup whose down timer fired may become master now. False while a sync group member still hears a
    /// master (keepalived's rule): the group moves only when every member would.
    /// </summary>
    bool MayBecomeMaster();

    /// <summary>Report a state change, after the actions that belong to it were asked for.</summary>
    void StateChanged(VrrpState from, VrrpState to, StateChangeReason reason);

    /// <summary>A master answered a lower-priority advert (at most once per interval): tell the listeners.</summary>
    void LowerPriorityAnswered(byte priority, Packets.PackedIPAddress source)
    {
    }

    /// <summary>Send one announcement on each of the router's other interfaces (keepalived's <c>garp_extra_if</c>).</summary>
    void AnnounceOtherInterfaces()
    {
    }

    /// <summary>A master heard another lower-priority advert in the interval it already answered one: counted, not answered.</summary>
    void LowerPriorityAnswerWithheld()
    {
    }
}
