import SMSCore
import Foundation
import Synchronization

/// Notifications decided but not yet delivered, one file each (`<id>.json`, mode 0600) in the hub's data
/// directory: written before the first attempt and deleted once the receiver accepted it (or it was dropped), so a
/// stop, a crash or a restart loses none (delivery is at least once). The channel is kept by name; its URL and
/// header values (secrets) are never written: they are taken from the spec in force when the file is sent.
public final class Outbox: Sendable {
    struct Entry: Codable, Sendable {
        var channel: String
        var label: String
        /// Wall-clock seconds when it was first queued (the maximum age counts from here).
        var queuedAt: Double
        var body: Data
        /// The channel's format when rendered (`email`, `discord`…); nil in files written before formats other than
        /// webhooks existed. A body is only ever sent to a channel of the format it was rendered for.
        var format: String?
    }

    let directory: URL
    private let next: Mutex<UInt64>

    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let ids = (try FileManager.default.contentsOfDirectory(atPath: directory.path)).compactMap(Self.id(of:))
        next = Mutex((ids.max() ?? 0) + 1)
    }

    /// Stores `entry` durably (written, fsynced, renamed into place); returns its id.
    func store(_ entry: Entry) throws -> UInt64 {
        let id = next.withLock { n in
            defer { n += 1 }
            return n
        }
        let data = try JSONEncoder().encode(entry)
        let temporary = directory.appendingPathComponent(".\(id).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw OutboxError("cannot write \(temporary.path): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced, rename(temporary.path, file(id).path) == 0 else {
            unlink(temporary.path)
            throw OutboxError("cannot write \(file(id).path) (disk full?)")
        }
        return id
    }

    func remove(_ id: UInt64) { unlink(file(id).path) }

    /// Everything not yet delivered, oldest first; unreadable files are skipped (and reported).
    func pending() -> (entries: [(id: UInt64, entry: Entry)], unreadable: [String]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var entries: [(UInt64, Entry)] = []
        var unreadable: [String] = []
        for (id, name) in names.compactMap({ name in Self.id(of: name).map { ($0, name) } }).sorted(by: { $0.0 < $1.0 }) {
            guard let data = try? Data(contentsOf: directory.appendingPathComponent(name)),
                let entry = try? JSONDecoder().decode(Entry.self, from: data)
            else {
                unreadable.append(name)
                continue
            }
            entries.append((id, entry))
        }
        return (entries, unreadable)
    }

    private func file(_ id: UInt64) -> URL { directory.appendingPathComponent("\(id).json") }

    private static func id(of name: String) -> UInt64? {
        name.hasSuffix(".json") ? UInt64(name.dropLast(5)) : nil
    }
}

struct OutboxError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
