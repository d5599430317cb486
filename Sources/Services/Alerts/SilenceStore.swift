import SMSCore
import Foundation

/// Silences kept in one JSON file in the state directory (`silences.json`), shared by `smsctl silence` and the hub.
///
/// Writers replace the file atomically (write a temporary file, rename), so the hub never reads half a file;
/// the hub notices a change by its modification time and size (`reloadIfChanged`) and on SIGHUP.
public struct SilenceStore: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// The file's contents: a version, so a later change can be recognised, the silences and the
    /// acknowledgements (absent in files written before acknowledgements existed).
    public struct Contents: Codable, Sendable, Equatable {
        public var version: Int = 1
        public var silences: [Silence] = []
        public var acknowledgements: [Acknowledgement]? = nil

        public init(silences: [Silence] = [], acknowledgements: [Acknowledgement] = []) {
            self.silences = silences
            self.acknowledgements = acknowledgements
        }

        public var acks: [Acknowledgement] { acknowledgements ?? [] }
    }

    /// Everything in the file; empty when the file does not exist.
    public func read() throws -> Contents {
        guard FileManager.default.fileExists(atPath: url.path) else { return Contents() }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SilenceStoreError("cannot read \(url.path) (\(error.localizedDescription)); check its permissions")
        }
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A }) { return Contents() }
        do {
            return try JSONDecoder().decode(Contents.self, from: data)
        } catch {
            throw SilenceStoreError("\(url.path) is not a valid silences file (\(error)); fix or delete it")
        }
    }

    /// Every silence in the file, expired ones included; an empty list when the file does not exist.
    public func load() throws -> [Silence] { try read().silences }

    /// Replaces the file's contents, creating the directory when needed.
    public func write(_ contents: Contents) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(contents)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw SilenceStoreError("cannot write \(url.path) (\(error.localizedDescription)); is it writable?")
        }
    }

    /// Reads, applies `change`, drops silences that ended more than a day ago, and writes.
    @discardableResult
    public func modify<T>(nowMs: Int64, _ change: (inout Contents) throws -> T) throws -> T {
        var contents = try read()
        let result = try change(&contents)
        contents.silences.removeAll { $0.endsMs < nowMs - 86_400_000 }
        try write(contents)
        return result
    }

    /// Replaces the silences, keeping the acknowledgements.
    public func save(_ silences: [Silence]) throws {
        var contents = try read()
        contents.silences = silences
        try write(contents)
    }

    /// `modify` of the silences alone; acknowledgements are kept as they are.
    @discardableResult
    public func update<T>(nowMs: Int64, _ change: (inout [Silence]) throws -> T) throws -> T {
        try modify(nowMs: nowMs) { try change(&$0.silences) }
    }

    /// What identifies one version of the file: modification time, size and inode (nil when absent).
    public func fingerprint() -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return nil }
        let date = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        // An atomic replace makes a new inode, which catches two writes within the clock's resolution.
        let inode = (attributes[.systemFileNumber] as? NSNumber)?.int64Value ?? 0
        return "\(date):\(size):\(inode)"
    }
}

/// A silences file that cannot be read or written, with what to do about it.
public struct SilenceStoreError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension StateDirectory {
    /// `<state dir>/silences.json`: written by `smsctl silence`, read by the running hub.
    public var silencesFile: URL { url.appendingPathComponent("silences.json") }
}
