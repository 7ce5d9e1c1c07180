import Testing
@testable import Probe

/// What the probe requires of the kernel and the process, decided without root.
@Suite struct ProbeRequirementTests {
    @Test func kernelReleasesParse() {
        #expect(KernelRelease("6.12.117+deb12-amd64").version == (6, 12, 117))
        #expect(KernelRelease("6.18.44-fc-v782").version == (6, 18, 44))
        #expect(KernelRelease("5.4").version == (5, 4, 0))
        #expect(KernelRelease("garbage").version == (0, 0, 0))
    }

    @Test func tooOldKernelsNameTheMissingFeature() {
        #expect(KernelRelease("6.1.0-28-amd64").missingRequirement() == nil)
        #expect(KernelRelease("5.18.0").missingRequirement() == nil)
        #expect(KernelRelease("5.17.9").missingRequirement()
                == .kernelTooOld(release: "5.17.9", feature: "bpf_xdp_load_bytes() and bpf_xdp_get_buff_len()", minimum: "5.18"))
        #expect(KernelRelease("5.8.0").missingRequirement()
                == .kernelTooOld(release: "5.8.0", feature: "XDP attached through bpf_link", minimum: "5.9"))
        #expect(KernelRelease("4.19.0").missingRequirement()?.description
                == "kernel 4.19.0 is too old: rdmatop needs BPF ring buffers (Linux 5.8 or newer)")
    }

    @Test func missingCapabilitiesAreNamed() {
        let bpf: UInt64 = 1 << 39, netAdmin: UInt64 = 1 << 12, sysAdmin: UInt64 = 1 << 21
        #expect(Capabilities.missing(effective: 0) == ["CAP_BPF", "CAP_NET_ADMIN"])
        #expect(Capabilities.missing(effective: bpf) == ["CAP_NET_ADMIN"])
        #expect(Capabilities.missing(effective: netAdmin) == ["CAP_BPF"])
        #expect(Capabilities.missing(effective: bpf | netAdmin).isEmpty)
        #expect(Capabilities.missing(effective: sysAdmin | netAdmin).isEmpty, "CAP_SYS_ADMIN covers CAP_BPF")
        #expect(Capabilities.effective() != nil)
    }

    @Test func theEmbeddedObjectIsABPFELF() {
        let bytes = EmbeddedObject.bytes
        #expect(bytes.count > 1000)
        #expect(Array(bytes.prefix(4)) == [0x7F, 0x45, 0x4C, 0x46], "ELF magic")
        #expect(bytes[18] == 247 && bytes[19] == 0, "e_machine EM_BPF (little-endian)")
    }
}
