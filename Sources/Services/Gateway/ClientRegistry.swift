import SMSCore
import Synchronization

/// The dashboards connected right now. Hummingbird has no broadcast helper, so the gateway keeps its own list.
final class ClientRegistry: Sendable {
    private let clients = Mutex<[UInt64: LiveClient]>([:])
    private let nextID = Atomic<UInt64>(0)

    /// A fresh id for a new connection.
    func makeID() -> UInt64 { nextID.add(1, ordering: .relaxed).newValue }

    func add(_ client: LiveClient) { clients.withLock { $0[client.id] = client } }

    func remove(_ client: LiveClient) { _ = clients.withLock { $0.removeValue(forKey: client.id) } }

    var count: Int { clients.withLock { $0.count } }

    /// A copy of the list, so the caller never holds the lock while encoding or awaiting.
    func all() -> [LiveClient] { clients.withLock { Array($0.values) } }
}
