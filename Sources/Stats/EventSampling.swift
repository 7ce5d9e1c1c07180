/// Which RoCE packets the probe hands over as events (bpf/rdmatop.h, `enum rdmatop_sampling`);
/// every packet is counted in the kernel all the same. The probe applies it; the engine reads
/// it to know what its flows can measure (`EngineConfiguration.sampling`).
public enum EventSampling: Sendable, Equatable {
    /// Every one (`--sample off`; what `-w`, `--dump` and a filter need).
    case off
    /// Samples (`--sample N`): each flow's first packets, every NAK, RNR NAK, CNP and
    /// CE-marked packet, and `perSecond` more per flow and second; the kernel then also
    /// counts requests' PSNs in its window.
    case always(perSecond: Int)
    /// Every one while the ring buffer has room, samples once it holds more unread bytes
    /// than `backlog(ringBufferBytes:)` (`--sample auto`, live by default): what the ring
    /// buffer would otherwise drop at random is chosen, so that the notable packets and new
    /// flows' first ones still fit in the rest.
    case underBacklog

    /// Every flow's packets come sampled (`always`): the engine sees only some of each
    /// flow's, so what needs every packet is not measured on any flow.
    public var samplesEveryFlow: Bool {
        if case .always = self { return true }
        return false
    }
}
