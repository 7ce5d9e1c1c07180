import Foundation
import Testing
@testable import Attribution

/// RDMA netlink gives the thread that created a QP, not always its process: rsockets connects
/// in a thread of its own, so rstream's QPs were listed under a pid 4 above rstream's. The
/// owner rdmatop shows is the process.
@Suite struct QPTableWatcherTests {
    func threads() throws -> Set<UInt32> {
        Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { UInt32($0) })
    }

    @Test func aThreadsIdLeadsToItsProcess() throws {
        let process = UInt32(getpid())
        #expect(QPTableWatcher.threadGroup(of: process) == process)
        let before = try threads()
        let started = DispatchSemaphore(value: 0), finish = DispatchSemaphore(value: 0)
        Thread {
            started.signal()
            finish.wait()  // alive while it is looked up
        }.start()
        started.wait()
        let new = try threads().subtracting(before)
        #expect(!new.isEmpty)
        for tid in new {
            #expect(tid != process)
            #expect(QPTableWatcher.threadGroup(of: tid) == process)
        }
        finish.signal()
        #expect(QPTableWatcher.threadGroup(of: UInt32.max) == nil)
    }
}
