import Foundation

/// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it), and that no earlier call in
/// this test process returned: the kernel hands a just-closed ephemeral port out again, and two roles of one test
/// given the same port fail to start ("hub.http_port: must differ from hub.grpc_port").
public func freePort() throws -> Int {
    for _ in 0..<64 {
        let port = try kernelPickedPort()
        if HandedOutPorts.shared.claim(port) { return port }
    }
    throw TestServerError("cannot find a loopback port not handed out already in this test run")
}

private final class HandedOutPorts: @unchecked Sendable {
    static let shared = HandedOutPorts()
    private let lock = NSLock()
    private var ports = Set<Int>()

    func claim(_ port: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return ports.insert(port).inserted
    }
}

private func kernelPickedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard bound else { throw TestServerError("cannot bind a loopback port for the test") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// A TCP connection to 127.0.0.1:`port` (the caller closes it), reads timing out after `readTimeout` seconds;
/// nil when nothing answers.
public func connectLoopback(port: Int, readTimeout: Int = 20) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var timeout = timeval(tv_sec: readTimeout, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard connected else {
        close(fd)
        return nil
    }
    return fd
}

/// A test-infrastructure problem (a server that would not start, a missing program), with what to do about it.
public struct TestServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or `timeout` passes; true when it held.
public func waitUntil(timeout: Duration, every: Duration = .milliseconds(100), _ condition: () async throws -> Bool)
    async -> Bool
{
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: every)
    }
    return (try? await condition()) == true
}
