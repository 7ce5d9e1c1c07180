import CFlow
import Capture
import RoCE
import enum Stats.KernelOpcodeTable

/// The kernel's PSN window (`rdmatop_psn_observe()`, bpf/rdmatop_flow.h: the C the BPF
/// programs run) over every packet of a capture file, per flow, as `GroundTruthTests` compares
/// it with count.py. The opcode's PSN role and message part come from the table the probe loads.
enum KernelPSNWindow {
    /// Each flow's window after the whole capture, keyed as count.py keys flows.
    static func run(_ path: String) throws -> [GroundTruthTests.FlowKey: rdmatop_psn_window] {
        let reader = try CaptureReader(path: path)
        let decoder = PacketDecoder()
        var windows: [GroundTruthTests.FlowKey: rdmatop_psn_window] = [:]
        while let captured = try reader.next() {
            guard let linkType = LinkType(pcapLinkType: captured.linkType),
                  let packet = try? decoder.decode(captured.data, linkType: linkType, originalLength: captured.originalLength)
            else { continue }
            let entry = KernelOpcodeTable.entries[Int(packet.bth.opcode)]
            guard entry.psn != 0 else { continue }
            let key = GroundTruthTests.FlowKey(src: "\(packet.ip.source)", dst: "\(packet.ip.destination)",
                                               qpn: UInt64(packet.bth.destQP))
            var window = windows[key] ?? rdmatop_psn_window()
            rdmatop_psn_observe(&window, UInt32(entry.psn), packet.bth.psn, UInt32(entry.message))
            windows[key] = window
        }
        return windows
    }
}
