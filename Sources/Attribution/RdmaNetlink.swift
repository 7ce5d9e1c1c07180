import CRdma

/// An RDMA device as RDMA netlink names it.
public struct RdmaNetlinkDevice: Sendable, Equatable {
    /// The kernel's device index (what RDMA_NLDEV_ATTR_DEV_INDEX carries).
    public var index: UInt32
    public var name: String
    /// The highest port index.
    public var ports: UInt32
}

/// One QP as RDMA netlink's resource dump (`rdma resource show qp`) reports it.
public struct RdmaNetlinkQP: Sendable, Equatable {
    public var qpn: UInt32
    /// 0 while the QP has no port (RESET).
    public var port: UInt32
    /// The owning process; nil for a kernel QP.
    public var pid: UInt32?
    /// The kernel module owning a kernel QP ("ib_core"); nil for a process's QP.
    public var kernelOwner: String?
    /// `enum ib_qp_type`.
    public var type: UInt8
    /// `enum ib_qp_state`; nil when the kernel did not say.
    public var state: UInt8?
}

/// A socket to the kernel's RDMA netlink (nldev) client, through libmnl (the CRdma shim).
public final class RdmaNetlink {
    private let handle: OpaquePointer
    /// The last failed dump's errno (negative), 0 when none.
    public private(set) var lastError: Int32 = 0

    /// Opens the socket; nil when the kernel has no RDMA netlink or the process may not use it.
    public init?() {
        var h: OpaquePointer?
        guard rt_rdma_open(&h) == 0, let h else { return nil }
        handle = h
    }

    deinit { rt_rdma_close(handle) }

    /// The RDMA devices; nil when the dump failed.
    public func devices() -> [RdmaNetlinkDevice]? {
        fill(rt_rdma_dev()) { rt_rdma_devices(handle, $0, $1) }?.map { d in
            RdmaNetlinkDevice(index: d.index, name: Self.string(d.name), ports: d.ports)
        }
    }

    /// The QPs of device `index`; nil when the dump failed.
    public func qps(device index: UInt32) -> [RdmaNetlinkQP]? {
        fill(rt_rdma_qp()) { rt_rdma_qps(handle, index, $0, $1) }?.map { q in
            RdmaNetlinkQP(qpn: q.lqpn, port: q.port, pid: q.has_pid != 0 ? q.pid : nil,
                          kernelOwner: q.has_pid != 0 ? nil : Self.string(q.kern_name),
                          type: q.type, state: q.has_state != 0 ? q.state : nil)
        }
    }

    /// Runs a dump into an array, growing it when the dump holds more than fits.
    private func fill<T>(_ zero: T, _ dump: (UnsafeMutablePointer<T>, Int32) -> Int32) -> [T]? {
        var capacity = 64
        while capacity <= 1 << 20 {
            var items = [T](repeating: zero, count: capacity)
            let n = items.withUnsafeMutableBufferPointer { dump($0.baseAddress!, Int32(capacity)) }
            if n < 0 { lastError = n; return nil }
            if Int(n) <= capacity { return Array(items.prefix(Int(n))) }
            capacity = Int(n) + 64
        }
        return nil
    }

    private static func string<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
