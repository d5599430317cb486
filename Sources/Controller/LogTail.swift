import Services
import SMSCore
import Foundation

/// Reads the end of a role's log, and follows it as it grows (`smsctl logs -f`).
public enum LogTail {
    /// The last `count` lines of the file (reads at most the last 1 MiB); empty when the file is missing.
    public static func lines(of url: URL, count: Int) -> [String] {
        guard count > 0, let handle = try? FileHandle(forReadingFrom: url) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let window: UInt64 = 1 << 20
        try? handle.seek(toOffset: size > window ? size - window : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines.suffix(count).map(String.init)
    }

    /// Writes what is appended to the file to `output` until the task is cancelled; starts at `offset`.
    /// A truncated or replaced file (rotation) is read again from its start.
    public static func follow(_ url: URL, from offset: UInt64, output: (Data) -> Void) async {
        var position = offset
        while !Task.isCancelled {
            if let handle = try? FileHandle(forReadingFrom: url) {
                let size = (try? handle.seekToEnd()) ?? 0
                if size < position { position = 0 }
                if size > position {
                    try? handle.seek(toOffset: position)
                    let data = (try? handle.readToEnd()) ?? Data()
                    position += UInt64(data.count)
                    output(data)
                }
                try? handle.close()
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// The file's size now (where following starts after printing the tail).
    public static func size(of url: URL) -> UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.uint64Value ?? 0
    }
}
