import FlyingFox
import FlyingSocks
import Foundation

/// The HTTP server of `--listen`: `GET /metrics` answers the latest exposition handed to
/// `publish`. It runs on Swift concurrency's threads, beside the synchronous capture loop
/// that updates it; a scrape never touches the engine.
public final class MetricsServer: @unchecked Sendable {
    private let server: HTTPServer
    private let lock = NSLock()
    private var body = Data()
    private var task: Task<Void, Error>?

    /// Starts listening on `address`; throws a one-line error when it cannot (address in use,
    /// not an address of this host, no permission).
    public init(address: ListenAddress, timeout: Double = 10) throws {
        do {
            if address.isIPv6 {
                server = HTTPServer(address: try sockaddr_in6.inet6(ip6: address.host ?? "::", port: address.port),
                                    timeout: 15, logger: .disabled)
            } else if let host = address.host {
                server = HTTPServer(address: try sockaddr_in.inet(ip4: host, port: address.port), timeout: 15, logger: .disabled)
            } else {
                server = HTTPServer(address: sockaddr_in.inet(port: address.port), timeout: 15, logger: .disabled)
            }
        } catch {
            throw MetricsServerError(message: "--listen \(address): not an IP address and port")
        }
        let box = UnsafeBox(self)
        let server = self.server
        let started = DispatchSemaphore(value: 0)
        let failure = UnsafeBox<Error?>(nil)
        task = Task.detached {
            await server.appendRoute("GET /metrics") { _ in
                HTTPResponse(statusCode: .ok,
                             headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                             body: box.value.current)
            }
            do {
                try await server.run()
            } catch {
                failure.value = error
                started.signal()
            }
        }
        let listening = UnsafeBox(false)
        Task.detached {
            do {
                try await server.waitUntilListening(timeout: timeout)
                listening.value = true
            } catch {}
            started.signal()
        }
        started.wait()
        guard listening.value else {
            usleep(100_000)  // let a failing run() say why
            throw MetricsServerError(message: "--listen \(address): " + (failure.value.map { "\($0)" } ?? "not listening after \(Int(timeout)) s"))
        }
    }

    /// The exposition the next scrapes get.
    public func publish(_ text: String) {
        let data = Data(text.utf8)
        lock.withLock { body = data }
    }

    private var current: Data { lock.withLock { body } }

    /// Stops listening.
    public func stop() {
        let server = self.server
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await server.stop(timeout: 1)
            done.signal()
        }
        _ = done.wait(timeout: .now() + 3)
        task?.cancel()
    }
}

/// A `--listen` failure, as one line.
public struct MetricsServerError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

private final class UnsafeBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
