import Foundation

/// The BPF object compiled from bpf/rdmatop.bpf.c by the EmbedBPF build plugin.
public enum EmbeddedObject {
    /// The ELF bytes.
    public static let bytes: [UInt8] = [UInt8](Data(base64Encoded: embeddedBPFObjectBase64) ?? Data())
}
